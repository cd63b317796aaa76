import type { ProductResolvers } from '../__generated__/resolvers-types';
import type { CategoryRow, ProductRow } from '../db/schema';
import type { Context } from '../subgraph';

export const Product: ProductResolvers = {
  __resolveReference: (reference, { loaders }) =>
    'id' in reference ? loaders.productById.load(reference.id) : loaders.productBySku.load(reference.sku),
  price: (product) => ({ amount: product.priceAmount, currency: product.priceCurrency }),
  category: (product, _args, { loaders }) => categoryOf(product, loaders),
  packagingGrams: async (product, _args, { loaders }) => (await categoryOf(product, loaders)).packagingGrams,
};

async function categoryOf(product: ProductRow, loaders: Context['loaders']): Promise<CategoryRow> {
  const category = await loaders.categoryById.load(product.categoryId);
  // The foreign key guarantees it exists; a miss is a bug worth an error, not a silent null.
  if (!category) throw new Error(`category ${product.categoryId} of product ${product.id} is missing`);
  return category;
}
