// wrk's percentile rank, replayed exactly: round((p / 100.0) * count + 0.5) as C evaluates it in long double.

// NOTE: x86-64 long double is x87 extended (64-bit significand), then round() takes a double, so the sum is
//       rounded once more to 53 bits. Plain JS doubles disagree at edges (e.g. p=99.99, count=10000:
//       JS gives 10000, exact math 9999, wrk 10000), so the chain is replayed with exact BigInt rationals.
const LONG_DOUBLE_BITS = process.arch === "arm64" ? 113 : 64; // NOTE: arm64 Linux long double is binary128
type Rat = [num: bigint, den: bigint];

function exactDouble(x: number): Rat {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const bits = view.getBigUint64(0);
  const exp = Number((bits >> 52n) & 0x7ffn);
  const mant = (bits & ((1n << 52n) - 1n)) | (exp === 0 ? 0n : 1n << 52n);
  const e = (exp === 0 ? 1 : exp) - 1075;
  return e >= 0 ? [mant << BigInt(e), 1n] : [mant, 1n << BigInt(-e)];
}

/** Round the positive rational n/d to `bits` significant bits, ties to even (IEEE). */
function roundBits([n, d]: Rat, bits: number): Rat {
  if (n === 0n) return [0n, 1n];
  let s = bits - 1 - (n.toString(2).length - d.toString(2).length);
  let [num, den] = s >= 0 ? [n << BigInt(s), d] : [n, d << BigInt(-s)];
  if (num / den < 1n << BigInt(bits - 1)) {
    s += 1;
    num <<= 1n;
  }
  let q = num / den;
  const rem2 = 2n * (num - q * den);
  if (rem2 > den || (rem2 === den && q % 2n === 1n)) q += 1n;
  return s >= 0 ? [q, 1n << BigInt(s)] : [q << BigInt(-s), 1n];
}

/** wrk's 1-based rank for percentile p of `count` samples; may be count+1 (p=100), where wrk returns 0. */
export function wrkRank(p: number, count: number): number {
  if (!(p >= 0 && p <= 100)) throw new Error(`percentile must be within [0, 100], got ${p}`);
  const [pn, pd] = exactDouble(p);
  const q = roundBits([pn, pd * 100n], LONG_DOUBLE_BITS);
  const m = roundBits([q[0] * BigInt(count), q[1]], LONG_DOUBLE_BITS);
  const a = roundBits([2n * m[0] + m[1], 2n * m[1]], LONG_DOUBLE_BITS);
  const [dn, dd] = roundBits(a, 53);
  return Number((2n * dn + dd) / (2n * dd)); // C round(): half away from zero (value is > 0)
}
