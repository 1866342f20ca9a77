/**
 * Access to the classes of tslab's compiled modules (`dist/jupyter.js`,
 * `dist/util.js`) that the kernel launcher patches. tslab does not export
 * them as API, so each patch first checks that the method it wraps exists
 * and changes nothing when tslab's internals differ.
 */

/** A prototype method, as the patches wrap it. */
export type Method = (this: unknown, ...args: unknown[]) => unknown;

/**
 * The prototype of the class `className` exported by a tslab module, or
 * undefined when the module has no such class.
 *
 * @example
 * const handler = classPrototype(require('tslab/dist/jupyter.js'), 'JupyterHandlerImpl');
 * typeof handler?.handleExecuteImpl; // 'function'
 */
export function classPrototype(tslabModule: Record<string, unknown>, className: string): Record<string, Method> | undefined {
  return (tslabModule[className] as { prototype?: Record<string, Method> } | undefined)?.prototype;
}
