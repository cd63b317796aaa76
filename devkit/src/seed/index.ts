export { type SeedCategory, type SeedProduct, seedCategories, seedProducts } from './catalog';
export { demoSeeder, type Seeder } from './demo-seeder';
export { type SeedOrder, type SeedOrderLine, seedOrders } from './orders';
export {
  DEMO_SEED_PLAN,
  insertInChunks,
  readSeedPlan,
  type SeedPlan,
  seedIds,
  seedPlanArgs,
  seedProductCategory,
  seedProductSku,
} from './plan';
export { createRandom, type Random } from './random';
