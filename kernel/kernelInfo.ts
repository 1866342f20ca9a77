/**
 * Completes tslab's `kernel_info_reply`: tslab omits the `status` field the
 * Jupyter protocol requires (jupyter_kernel_test rejects the reply without
 * it) and reports a fixed TypeScript version. The launcher fills in
 * `status: "ok"`, the TypeScript version tslab really type-checks with, a
 * banner naming embedlab, and help links.
 */
import { classPrototype } from './tslabInternals';

interface KernelInfo {
  status?: string;
  banner?: string;
  language_info?: { version?: string } & Record<string, unknown>;
  help_links?: { text: string; url: string }[];
}

type HandleKernel = (this: unknown) => KernelInfo;

/** Wraps `JupyterHandlerImpl.prototype.handleKernel`; false when tslab's shape differs. */
export function patchKernelInfo(
  tslabJupyter: Record<string, unknown>,
  facts: { typescriptVersion: string; embedlabVersion: string; tslabVersion: string },
): boolean {
  const handler = classPrototype(tslabJupyter, 'JupyterHandlerImpl') as { handleKernel?: HandleKernel } | undefined;
  const original = handler?.handleKernel;
  if (!handler || typeof original !== 'function') return false;
  handler.handleKernel = function (this: unknown) {
    const info = original.call(this);
    return {
      ...info,
      status: 'ok',
      banner: `TypeScript (embedlab ${facts.embedlabVersion}; tslab ${facts.tslabVersion}, TypeScript ${facts.typescriptVersion}, Node ${process.version})`,
      language_info: { ...info.language_info, version: facts.typescriptVersion },
      help_links: [
        { text: 'tslab', url: 'https://github.com/yunabe/tslab' },
        { text: 'plotly.js', url: 'https://plotly.com/javascript/' },
      ],
    };
  };
  return true;
}
