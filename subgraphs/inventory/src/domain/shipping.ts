/**
 * The shipping estimate shown on product pages, for one unit. Free from FREE_SHIPPING_FROM
 * (in minor units of the price's currency) for parcels up to the heaviest band; otherwise
 * priced by the parcel's weight: the product plus the packaging its category ships in.
 * Heavier parcels than the last band pay its price plus a fee per started kilogram over it.
 */
export const FREE_SHIPPING_FROM = 5000;

interface WeightBand {
  upToGrams: number;
  amount: number;
}

const HEAVIEST_BAND: WeightBand = { upToGrams: 30_000, amount: 2499 };
export const WEIGHT_BANDS: readonly WeightBand[] = [
  { upToGrams: 500, amount: 499 },
  { upToGrams: 2_000, amount: 799 },
  { upToGrams: 10_000, amount: 1299 },
  HEAVIEST_BAND,
];

export const PER_STARTED_KG_OVER_BANDS = 100;

export interface Money {
  amount: number;
  currency: string;
}

export function estimateShipping(price: Money, weightGrams: number, packagingGrams: number): Money {
  const parcelGrams = weightGrams + packagingGrams;
  if (parcelGrams > HEAVIEST_BAND.upToGrams) {
    const extraKg = Math.ceil((parcelGrams - HEAVIEST_BAND.upToGrams) / 1000);
    return { amount: HEAVIEST_BAND.amount + extraKg * PER_STARTED_KG_OVER_BANDS, currency: price.currency };
  }
  if (price.amount >= FREE_SHIPPING_FROM) return { amount: 0, currency: price.currency };
  const band = WEIGHT_BANDS.find((candidate) => parcelGrams <= candidate.upToGrams) ?? HEAVIEST_BAND;
  return { amount: band.amount, currency: price.currency };
}
