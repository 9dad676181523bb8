// Numbers for people: integers with thousands separators (result files keep raw numbers in base units).

export const int = (x: number): string => Math.round(x).toLocaleString("en-US");
