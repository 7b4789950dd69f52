// The canonical form the API server stores a resource.Quantity in (e.g. 0.5 →
// 500m, 1024Mi → 1Gi, 1000 → 1k). Builders write quantities this way, so what
// they apply matches what the server returns and an unchanged reconcile
// writes nothing. Pure; BigInt arithmetic in nano-units, as Kubernetes keeps
// at most nine decimal places.

const NANO = 10n ** 9n;
const BINARY: Record<string, number> = { Ki: 1, Mi: 2, Gi: 3, Ti: 4, Pi: 5, Ei: 6 };
const DECIMAL: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const DECIMAL_SUFFIX = Object.fromEntries(Object.entries(DECIMAL).map(([s, e]) => [e, s]));
const BINARY_SUFFIX = ['', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei'];

const pow10 = (e: number) => 10n ** BigInt(e);

/** value × 10^exp in nano-units, rounded up as the API server rounds sub-nano amounts. */
function toNano(digits: bigint, scale: number, multiplier: bigint, exp10: number): bigint {
  const num = digits * multiplier * pow10(Math.max(0, exp10 + 9));
  const den = pow10(scale + Math.max(0, -(exp10 + 9)));
  return (num + den - 1n) / den;
}

function decimalForm(nano: bigint, exponent: boolean): string {
  if (nano === 0n) return '0';
  for (let e = 18; e >= -9; e -= 3) {
    const unit = pow10(e + 9);
    if (nano % unit === 0n) {
      const mantissa = (nano / unit).toString();
      return exponent ? (e === 0 ? mantissa : `${mantissa}e${e}`) : `${mantissa}${DECIMAL_SUFFIX[e] ?? ''}`;
    }
  }
  return `${nano}n`;
}

/** The API server's canonical text of a quantity; input it cannot parse is returned as given. */
export function canonicalQuantity(value: string | number): string {
  const text = String(value).trim();
  const m = /^\+?([0-9]*)(?:\.([0-9]*))?(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]|[eE][+-]?[0-9]+)?$/.exec(text);
  if (!m || (!m[1] && !m[2])) return text;
  const fraction = m[2] ?? '';
  const digits = BigInt(`${m[1] ?? ''}${fraction}` || '0');
  const suffix = m[3] ?? '';
  if (suffix in BINARY) {
    const nano = toNano(digits, fraction.length, 1024n ** BigInt(BINARY[suffix]!), 0);
    // Small or fractional binary amounts are written in decimal form.
    if (nano < 1024n * NANO || nano % NANO !== 0n) return decimalForm(nano, false);
    let units = nano / NANO;
    let k = 0;
    while (k < 6 && units % 1024n === 0n) {
      units /= 1024n;
      k++;
    }
    return `${units}${BINARY_SUFFIX[k]}`;
  }
  if (/^[eE]/.test(suffix))
    return decimalForm(toNano(digits, fraction.length, 1n, Number(suffix.slice(1))), true);
  return decimalForm(toNano(digits, fraction.length, 1n, DECIMAL[suffix] ?? 0), false);
}
