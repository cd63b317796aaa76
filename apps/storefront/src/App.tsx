import { lazy, Suspense } from 'react';
import { useCart } from './cart';
import { HomePage } from './pages/HomePage';
import { Link, navigate, useLocation } from './router';
import { setSession, useSession } from './session';
import { Loading } from './ui';
import { useTitle } from './use-title';

// Everything but the home page loads on demand: the home page's initial JavaScript stays small.
const CatalogPage = lazy(() => import('./pages/CatalogPage'));
const ProductPage = lazy(() => import('./pages/ProductPage'));
const CartPage = lazy(() => import('./pages/CartPage'));
const OrderPage = lazy(() => import('./pages/OrderPage'));
const AccountPage = lazy(() => import('./pages/AccountPage'));
const LogInPage = lazy(() => import('./pages/LogInPage'));
const AdminPage = lazy(() => import('./admin/AdminPage'));
const ReviewModerationPage = lazy(() => import('./admin/ReviewModerationPage'));

function Screen() {
  const { path } = useLocation();
  const [, section, id] = path.split('/');
  if (path === '/') return <HomePage />;
  if (section === 'products') return <CatalogPage />;
  if (section === 'product' && id) return <ProductPage id={id} />;
  if (section === 'cart') return <CartPage />;
  if (section === 'orders' && id) return <OrderPage id={id} />;
  if (section === 'account') return <AccountPage />;
  if (section === 'login') return <LogInPage mode="login" />;
  if (section === 'signup') return <LogInPage mode="signup" />;
  if (section === 'admin' && id === 'reviews') return <ReviewModerationPage />;
  if (section === 'admin') return <AdminPage productId={id} />;
  return <NotFound />;
}

function NotFound() {
  useTitle('Not found');
  return (
    <>
      <h1>Page not found</h1>
      <Link to="/">Back to the shop</Link>
    </>
  );
}

export function App() {
  const session = useSession();
  const cart = useCart();
  const count = cart.reduce((sum, line) => sum + line.quantity, 0);
  return (
    <>
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="site-header">
        <Link to="/" className="brand">
          Shop
        </Link>
        <search>
          <form
            action="/products"
            className="search"
            onSubmit={(event) => {
              event.preventDefault();
              const search = new FormData(event.currentTarget).get('search');
              navigate(`/products?${new URLSearchParams({ search: String(search ?? '') })}`);
            }}
          >
            <label htmlFor="site-search" className="visually-hidden">
              Search products
            </label>
            <input id="site-search" name="search" type="search" placeholder="Search products" />
            <button type="submit">Search</button>
          </form>
        </search>
        <nav aria-label="Account">
          <Link to="/cart">Cart ({count})</Link>
          {session?.user.role === 'ADMIN' ? <Link to="/admin">Back office</Link> : null}
          {session ? (
            <>
              <Link to="/account">{session.user.name}</Link>
              <button type="button" className="link" onClick={() => setSession(null)}>
                Log out
              </button>
            </>
          ) : (
            <Link to="/login">Log in</Link>
          )}
        </nav>
      </header>
      <main id="main">
        <Suspense fallback={<Loading what="the page" />}>
          <Screen />
        </Suspense>
      </main>
    </>
  );
}
