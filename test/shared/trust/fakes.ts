/** WebCrypto stand-ins for the paths the test machine's own WebCrypto never takes. */

/** The real WebCrypto with one method replaced. */
function withOverride(name: 'generateKey' | 'importKey', replace: (real: SubtleCrypto, args: unknown[]) => Promise<unknown>): SubtleCrypto {
  const real = globalThis.crypto.subtle;
  return new Proxy(real, {
    get(target, prop) {
      if (prop === name) return (...args: unknown[]) => replace(target, args);
      const value: unknown = Reflect.get(target, prop, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

const isEd25519 = (algorithm: unknown) => (algorithm as { name?: unknown }).name === 'Ed25519';
const unsupported = () => Promise.reject(new DOMException('Unrecognized name.', 'NotSupportedError'));

/** A browser that cannot make Ed25519 keys (as Chromium before 137). */
export const noEd25519Keys = withOverride('generateKey', (real, args) =>
  isEd25519(args[0]) ? unsupported() : (real.generateKey as (...a: unknown[]) => Promise<unknown>)(...args),
);

/** A browser that cannot check Ed25519 signatures at all. */
export const noEd25519Import = withOverride('importKey', (real, args) =>
  isEd25519(args[2]) ? unsupported() : (real.importKey as (...a: unknown[]) => Promise<unknown>)(...args),
);
