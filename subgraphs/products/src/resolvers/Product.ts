import type { ProductResolvers } from '../__generated__/resolvers-types';

export const Product: ProductResolvers = {
  __resolveReference: (reference, { loaders }) =>
    'id' in reference ? loaders.productById.load(reference.id) : loaders.productBySku.load(reference.sku),
  price: (product) => ({ amount: product.priceAmount, currency: product.priceCurrency }),
  category: async (product, _args, { loaders }) => {
    const category = await loaders.categoryById.load(product.categoryId);
    // The foreign key guarantees it exists; a miss is a bug worth an error, not a silent null.
    if (!category) throw new Error(`category ${product.categoryId} of product ${product.id} is missing`);
    return category;
  },
};
