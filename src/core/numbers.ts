// App Services marks ES2015 "Number static methods" unsupported, so these stand in for them.
const MAX_SAFE = 9007199254740991;

export function isInteger(value: number): boolean {
  return isFinite(value) && Math.floor(value) === value;
}

export function isSafeInteger(value: number): boolean {
  return isInteger(value) && Math.abs(value) <= MAX_SAFE;
}

export function isNotANumber(value: number): boolean {
  return value !== value;
}
