import { useQuery } from '@apollo/client/react';
import { HomePageDocument } from '../../../../schema/__generated__/graphql';
import { Link } from '../router';
import { Loading, ProductCard, Unavailable } from '../ui';
import { useTitle } from '../use-title';

export function HomePage() {
  useTitle('Home');
  const { data, loading, error } = useQuery(HomePageDocument, { variables: { newArrivals: 8 } });
  return (
    <>
      <h1>Welcome to the shop</h1>
      <section aria-labelledby="categories-heading">
        <h2 id="categories-heading">Categories</h2>
        {loading && !data ? <Loading what="categories" /> : null}
        {data?.categories ? (
          <ul className="pills">
            {data.categories.map((category) => (
              <li key={category.id}>
                <Link to={`/products?category=${category.id}`}>{category.name}</Link>
              </li>
            ))}
          </ul>
        ) : error ? (
          <Unavailable what="The categories" />
        ) : null}
      </section>
      <section aria-labelledby="new-heading">
        <h2 id="new-heading">New arrivals</h2>
        {loading && !data ? <Loading what="products" /> : null}
        {data?.newArrivals ? (
          <ul className="grid">
            {data.newArrivals.edges.map(({ node }) => (
              <ProductCard key={node.id} product={node} />
            ))}
          </ul>
        ) : error ? (
          <Unavailable what="New arrivals" />
        ) : null}
      </section>
    </>
  );
}
