import { type SeedPlan, seedIds, seedProductCategory, seedProductSku } from './plan';
import { createRandom } from './random';

/**
 * The demo catalog, derived from the plan alone: the catalog seeds it, and the services that
 * keep a read model of it (orders' prices and names) seed theirs from the same function, so
 * both agree without either reading the other's database.
 */

// In the order of the SKU prefixes in platform's seed plan (KIT, GAR, BOK, …).
const CATALOG = [
  {
    name: 'Kitchen',
    slug: 'kitchen',
    packagingGrams: 350,
    nouns: [
      'Chef Knife',
      'Cutting Board',
      'Saucepan',
      'Frying Pan',
      'Kettle',
      'Mixing Bowl',
      'Whisk',
      'Colander',
    ],
  },
  {
    name: 'Garden',
    slug: 'garden',
    packagingGrams: 400,
    nouns: [
      'Pruning Shears',
      'Watering Can',
      'Trowel',
      'Hose Reel',
      'Planter',
      'Rake',
      'Seed Tray',
      'Wheelbarrow',
    ],
  },
  {
    name: 'Books',
    slug: 'books',
    packagingGrams: 60,
    nouns: ['Cookbook', 'Field Guide', 'Atlas', 'Novel', 'Notebook', 'Sketchbook', 'Journal', 'Almanac'],
  },
  {
    name: 'Toys',
    slug: 'toys',
    packagingGrams: 250,
    nouns: [
      'Building Set',
      'Puzzle',
      'Kite',
      'Yo-Yo',
      'Wooden Train',
      'Board Game',
      'Spinning Top',
      'Marble Run',
    ],
  },
  {
    name: 'Outdoor',
    slug: 'outdoor',
    packagingGrams: 300,
    nouns: [
      'Tent',
      'Sleeping Bag',
      'Headlamp',
      'Backpack',
      'Camp Stove',
      'Hammock',
      'Water Bottle',
      'Trekking Poles',
    ],
  },
  {
    name: 'Office',
    slug: 'office',
    packagingGrams: 200,
    nouns: [
      'Desk Lamp',
      'Stapler',
      'Pen Set',
      'Desk Organizer',
      'Monitor Stand',
      'Letter Tray',
      'Whiteboard',
      'Paper Shredder',
    ],
  },
  {
    name: 'Audio',
    slug: 'audio',
    packagingGrams: 350,
    nouns: ['Headphones', 'Speaker', 'Turntable', 'Microphone', 'Earbuds', 'Radio', 'Soundbar', 'Amplifier'],
  },
  {
    name: 'Lighting',
    slug: 'lighting',
    packagingGrams: 450,
    nouns: [
      'Floor Lamp',
      'Pendant Light',
      'Lantern',
      'String Lights',
      'Wall Sconce',
      'Night Light',
      'Table Lamp',
      'Candle Holder',
    ],
  },
  {
    name: 'Bath',
    slug: 'bath',
    packagingGrams: 250,
    nouns: [
      'Towel Set',
      'Bath Mat',
      'Soap Dish',
      'Shower Caddy',
      'Bathrobe',
      'Toothbrush Holder',
      'Mirror',
      'Laundry Basket',
    ],
  },
  {
    name: 'Pets',
    slug: 'pets',
    packagingGrams: 300,
    nouns: [
      'Dog Bed',
      'Cat Tree',
      'Leash',
      'Food Bowl',
      'Chew Toy',
      'Grooming Brush',
      'Pet Carrier',
      'Scratching Post',
    ],
  },
  {
    name: 'Sports',
    slug: 'sports',
    packagingGrams: 200,
    nouns: [
      'Yoga Mat',
      'Jump Rope',
      'Dumbbell',
      'Tennis Racket',
      'Football',
      'Cycling Gloves',
      'Swim Goggles',
      'Resistance Band',
    ],
  },
  {
    name: 'Tools',
    slug: 'tools',
    packagingGrams: 400,
    nouns: [
      'Hammer',
      'Screwdriver Set',
      'Tape Measure',
      'Cordless Drill',
      'Spirit Level',
      'Wrench',
      'Utility Knife',
      'Toolbox',
    ],
  },
] as const;

const ADJECTIVES = [
  'Classic',
  'Compact',
  'Deluxe',
  'Everyday',
  'Heavy-Duty',
  'Lightweight',
  'Modern',
  'Rustic',
  'Sturdy',
  'Vintage',
  'Premium',
  'Foldable',
];
const MATERIALS = [
  'Oak',
  'Bamboo',
  'Steel',
  'Copper',
  'Linen',
  'Ceramic',
  'Walnut',
  'Recycled',
  'Cotton',
  'Aluminium',
  'Cork',
  'Slate',
];
const QUALITIES = [
  'built to last',
  'easy to clean',
  'made from responsibly sourced materials',
  'backed by a two-year warranty',
  'designed for daily use',
  'light enough to carry anywhere',
];

// Fixed, so the same plan gives the same catalog today and next year.
const CATALOG_EPOCH = Date.UTC(2026, 0, 1);

export interface SeedCategory {
  id: string;
  name: string;
  slug: string;
  packagingGrams: number;
  createdAt: Date;
}

export interface SeedProduct {
  id: string;
  sku: string;
  name: string;
  description: string;
  priceAmount: number;
  priceCurrency: string;
  weightGrams: number;
  categoryId: string;
  createdAt: Date;
}

export function seedCategories(plan: Pick<SeedPlan, 'categories'>): SeedCategory[] {
  return CATALOG.slice(0, plan.categories).map((category, index) => ({
    id: seedIds.category(index),
    name: category.name,
    slug: category.slug,
    packagingGrams: category.packagingGrams,
    createdAt: new Date(CATALOG_EPOCH - 400 * 86_400_000),
  }));
}

export function seedProducts(plan: Pick<SeedPlan, 'seed' | 'categories' | 'products'>): SeedProduct[] {
  if (Math.min(plan.categories, CATALOG.length) === 0) return [];
  const random = createRandom(plan.seed, 'products');
  return Array.from({ length: plan.products }, (_, index) => {
    const categoryIndex = seedProductCategory(plan, index);
    const category = CATALOG[categoryIndex] as (typeof CATALOG)[number];
    const noun = random.pick(category.nouns);
    const name = `${random.pick(ADJECTIVES)} ${random.pick(MATERIALS)} ${noun}`;
    return {
      id: seedIds.product(index),
      sku: seedProductSku(plan, index),
      name,
      description: `A ${name.toLowerCase()}, ${random.pick(QUALITIES)} and ${random.pick(QUALITIES)}.`,
      priceAmount: random.int(2, 500) * 100 - random.pick([1, 5, 51, 100]),
      priceCurrency: 'USD',
      weightGrams: random.int(1, 400) * 50,
      categoryId: seedIds.category(categoryIndex),
      // Spread over the past year, newest product last.
      createdAt: new Date(CATALOG_EPOCH - (plan.products - index) * 47 * 60_000),
    };
  });
}
