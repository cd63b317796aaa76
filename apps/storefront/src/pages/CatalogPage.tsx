import { useQuery } from '@apollo/client/react';
import type { FormEvent } from 'react';
import { ProductListDocument, type ProductOrder } from '../../../../schema/__generated__/graphql';
import { navigate, useLocation } from '../router';
import { Loading, ProductCard, Unavailable } from '../ui';
import { useTitle } from '../use-title';

const SORTS: { value: ProductOrder; label: string }[] = [
  { value: 'NEWEST', label: 'Newest' },
  { value: 'PRICE_ASC', label: 'Price: low to high' },
  { value: 'PRICE_DESC', label: 'Price: high to low' },
  { value: 'NAME', label: 'Name' },
];

/** Whole currency units in the URL and the form, minor units for the API. */
const minorUnits = (value: string | null) => (value ? Math.round(Number(value) * 100) : undefined);

/** Category and search pages: every filter, the sort and the page cursor live in the URL. */
export default function CatalogPage() {
  const { params } = useLocation();
  const search = params.get('search') ?? '';
  const categoryId = params.get('category') ?? undefined;
  const sort = (SORTS.find((option) => option.value === params.get('sort'))?.value ??
    'NEWEST') as ProductOrder;
  const { data, loading, error } = useQuery(ProductListDocument, {
    variables: {
      search: search || undefined,
      categoryId,
      orderBy: sort,
      minPrice: minorUnits(params.get('min')),
      maxPrice: minorUnits(params.get('max')),
      after: params.get('after') ?? undefined,
    },
  });
  const category = data?.categories?.find((item) => item.id === categoryId);
  const title = search ? `Search: ${search}` : (category?.name ?? 'All products');
  useTitle(title);

  const apply = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const next = new URLSearchParams();
    for (const key of ['search', 'category', 'sort', 'min', 'max']) {
      const value = String(form.get(key) ?? '').trim();
      if (value) next.set(key, value);
    }
    navigate(`/products?${next}`);
  };
  const pageAfter = (cursor: string) => {
    const next = new URLSearchParams(params);
    next.set('after', cursor);
    navigate(`/products?${next}`);
  };

  return (
    <>
      <h1>{title}</h1>
      <form className="filters" onSubmit={apply} key={params.toString()}>
        <label>
          Search
          <input name="search" type="search" defaultValue={search} />
        </label>
        <label>
          Category
          <select name="category" defaultValue={categoryId ?? ''}>
            <option value="">All categories</option>
            {data?.categories?.map((item) => (
              <option key={item.id} value={item.id}>
                {item.name}
              </option>
            ))}
          </select>
        </label>
        <label>
          Sort by
          <select name="sort" defaultValue={sort}>
            {SORTS.map((option) => (
              <option key={option.value} value={option.value}>
                {option.label}
              </option>
            ))}
          </select>
        </label>
        <label>
          Min price
          <input name="min" type="number" min="0" step="0.01" defaultValue={params.get('min') ?? ''} />
        </label>
        <label>
          Max price
          <input name="max" type="number" min="0" step="0.01" defaultValue={params.get('max') ?? ''} />
        </label>
        <button type="submit">Apply</button>
      </form>
      {loading && !data ? <Loading what="products" /> : null}
      {data?.products ? (
        <>
          <p className="muted">{data.products.totalCount} products</p>
          <ul className="grid">
            {data.products.edges.map(({ node }) => (
              <ProductCard key={node.id} product={node} />
            ))}
          </ul>
          <nav className="pager" aria-label="Pages">
            {params.get('after') ? (
              <button type="button" onClick={() => history.back()}>
                Previous page
              </button>
            ) : null}
            {data.products.pageInfo.hasNextPage && data.products.pageInfo.endCursor ? (
              <button type="button" onClick={() => pageAfter(data.products.pageInfo.endCursor as string)}>
                Next page
              </button>
            ) : null}
          </nav>
        </>
      ) : error ? (
        <Unavailable what="The product list" />
      ) : null}
    </>
  );
}
