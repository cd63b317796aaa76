import { useMutation, useQuery } from '@apollo/client/react';
import { type FormEvent, useState } from 'react';
import {
  CreateProductDocument,
  HomePageDocument,
  ProductEditorDocument,
  SetStockDocument,
  UpdateProductDocument,
} from '../../../../schema/__generated__/graphql';
import { errorField } from '../apollo';
import { formatMoney } from '../format';
import { Link } from '../router';
import { Loading, Unavailable } from '../ui';
import { useTitle } from '../use-title';
import { AdminOnly } from './AdminOnly';
import { useLowStock } from './useLowStock';

/** The back office: its overview, or the editor of one product. */
export default function AdminPage({ productId }: { productId?: string }) {
  useTitle('Back office');
  return (
    <AdminOnly title="Back office">{productId ? <ProductEditor id={productId} /> : <Overview />}</AdminOnly>
  );
}

function Overview() {
  return (
    <>
      <h1>Back office</h1>
      <p>
        <Link to="/admin/reviews">Moderate reviews</Link>
      </p>
      <ProductForm />
      <LowStockList />
    </>
  );
}

interface FieldError {
  field?: string;
  message: string;
}

/** Shows the API's BAD_USER_INPUT message next to the field it names (`input.price.amount`). */
function FieldMessage({ error, field }: { error?: FieldError; field: string }) {
  if (!error?.field?.endsWith(field)) return null;
  return (
    <span className="error" id={`error-${field}`} role="alert">
      {error.message}
    </span>
  );
}

function ProductForm() {
  const categories = useQuery(HomePageDocument, { variables: { newArrivals: 1 } });
  const [createProduct, { loading }] = useMutation(CreateProductDocument);
  const [failure, setFailure] = useState<FieldError>();
  const [created, setCreated] = useState<{ id: string; name: string }>();
  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const value = (key: string) => String(form.get(key) ?? '');
    setFailure(undefined);
    try {
      const result = await createProduct({
        variables: {
          input: {
            sku: value('sku'),
            name: value('name'),
            description: value('description'),
            price: { amount: Math.round(Number(value('price')) * 100), currency: 'USD' },
            weightGrams: Number(value('weightGrams')),
            categoryId: value('categoryId'),
          },
        },
      });
      if (result.data) setCreated(result.data.createProduct);
    } catch (error) {
      setFailure({ field: errorField(error), message: (error as Error).message });
    }
  };
  const invalid = (field: string) =>
    failure?.field?.endsWith(field) ? { 'aria-invalid': true, 'aria-describedby': `error-${field}` } : {};
  return (
    <section aria-labelledby="new-product">
      <h2 id="new-product">New product</h2>
      <form className="stack narrow" onSubmit={submit} noValidate>
        <label>
          SKU
          <input name="sku" {...invalid('sku')} />
          <FieldMessage error={failure} field="sku" />
        </label>
        <label>
          Name
          <input name="name" {...invalid('name')} />
          <FieldMessage error={failure} field="name" />
        </label>
        <label>
          Description
          <textarea name="description" {...invalid('description')} />
          <FieldMessage error={failure} field="description" />
        </label>
        <label>
          Price (USD)
          <input name="price" type="number" step="0.01" {...invalid('amount')} />
          <FieldMessage error={failure} field="amount" />
        </label>
        <label>
          Weight (grams)
          <input name="weightGrams" type="number" {...invalid('weightGrams')} />
          <FieldMessage error={failure} field="weightGrams" />
        </label>
        <label>
          Category
          <select name="categoryId" {...invalid('categoryId')}>
            {categories.data?.categories.map((category) => (
              <option key={category.id} value={category.id}>
                {category.name}
              </option>
            ))}
          </select>
          <FieldMessage error={failure} field="categoryId" />
        </label>
        {failure && !failure.field ? (
          <p role="alert" className="error">
            {failure.message}
          </p>
        ) : null}
        <button type="submit" disabled={loading}>
          Create product
        </button>
        {created ? (
          <p role="status">
            Created <Link to={`/admin/${created.id}`}>{created.name}</Link>.
          </p>
        ) : null}
      </form>
    </section>
  );
}

function LowStockList() {
  const [atMost, setAtMost] = useState(5);
  const { data, loading, error } = useLowStock(atMost);
  return (
    <section aria-labelledby="low-stock">
      <h2 id="low-stock">Low stock</h2>
      <label>
        At most
        <input
          type="number"
          min={0}
          value={atMost}
          onChange={(event) => setAtMost(Math.max(0, Number(event.target.value) || 0))}
        />
      </label>
      {loading && !data ? <Loading what="the low-stock list" /> : null}
      {data?.lowStock ? (
        <ul>
          {data.lowStock.edges.map(({ node }) => (
            <li key={node.id}>
              <Link to={`/admin/${node.id}`}>{node.sku}</Link>: {node.stock.available} available,{' '}
              {node.stock.reserved} reserved
            </li>
          ))}
        </ul>
      ) : error ? (
        <Unavailable what="The low-stock list" />
      ) : null}
    </section>
  );
}

function ProductEditor({ id }: { id: string }) {
  const { data, loading, error } = useQuery(ProductEditorDocument, { variables: { id } });
  const [updateProduct, updating] = useMutation(UpdateProductDocument);
  const [setStock, settingStock] = useMutation(SetStockDocument, { refetchQueries: ['ProductEditor'] });
  const [failure, setFailure] = useState<FieldError>();
  const [saved, setSaved] = useState('');
  if (loading && !data) return <Loading what="the product" />;
  const product = data?.product;
  if (!product) return error ? <Unavailable what="This product" /> : <h1>Product not found</h1>;
  const save = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setFailure(undefined);
    try {
      await updateProduct({
        variables: {
          id,
          input: {
            name: String(form.get('name')),
            price: { amount: Math.round(Number(form.get('price')) * 100), currency: product.price.currency },
          },
        },
      });
      setSaved('Saved.');
    } catch (caught) {
      setFailure({ field: errorField(caught), message: (caught as Error).message });
    }
  };
  const saveStock = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const available = Number(new FormData(event.currentTarget).get('available'));
    setFailure(undefined);
    try {
      await setStock({ variables: { productId: id, available } });
      setSaved('Stock saved.');
    } catch (caught) {
      setFailure({ field: errorField(caught) ?? 'available', message: (caught as Error).message });
    }
  };
  return (
    <>
      <h1>Edit {product.name}</h1>
      <p className="muted">
        SKU {product.sku} · now {formatMoney(product.price)} ·{' '}
        <Link to={`/product/${id}`}>View in the shop</Link>
      </p>
      <form className="stack narrow" onSubmit={save} noValidate>
        <label>
          Name
          <input name="name" defaultValue={product.name} />
          <FieldMessage error={failure} field="name" />
        </label>
        <label>
          Price ({product.price.currency})
          <input
            name="price"
            type="number"
            step="0.01"
            defaultValue={(product.price.amount / 100).toFixed(2)}
          />
          <FieldMessage error={failure} field="amount" />
        </label>
        <button type="submit" disabled={updating.loading}>
          Save product
        </button>
      </form>
      <form className="stack narrow" onSubmit={saveStock} noValidate>
        <label>
          Units available
          <input name="available" type="number" defaultValue={product.stock?.available ?? 0} />
          <FieldMessage error={failure} field="available" />
        </label>
        <button type="submit" disabled={settingStock.loading}>
          Set stock
        </button>
      </form>
      {saved ? <p role="status">{saved}</p> : null}
      <Link to="/admin">Back office</Link>
    </>
  );
}
