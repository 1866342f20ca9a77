/**
 * Shift-Tab help (`inspect_request`) as readable text. tslab prints a
 * symbol's documentation part by part on separate lines and shows
 * `{@link MatryoshkaLoss}` raw; the kernel joins the parts, writes links as
 * their names, and keeps each tag's name (`@default 42`, `@example …`).
 */
import { classPrototype } from './tslabInternals';

interface DisplayPart {
  text: string;
  kind: string;
}

/** What TypeScript's `getQuickInfoAtPosition` returns, in the parts used here. */
export interface QuickInfo {
  displayParts?: DisplayPart[];
  documentation?: DisplayPart[];
  tags?: { name: string; text?: DisplayPart[] }[];
}

/** Documentation parts as text: `{@link X}` and `{@link X | label}` become `X` and `label`. */
export function partsText(parts: readonly DisplayPart[] = []): string {
  let out = '';
  // a link is "{@link " (kind link), the name (linkName), an optional label (linkText), "}" (link)
  let name = '';
  for (const part of parts) {
    if (part.kind === 'link') {
      out += name;
      name = '';
    } else if (part.kind === 'linkName') {
      name = part.text;
    } else if (part.kind === 'linkText') {
      name = part.text.replace(/^\s*\|\s*/, '').trim() || name;
    } else {
      out += part.text;
    }
  }
  return out + name;
}

/** The signature, the documentation, then one line per tag. */
export function quickInfoText(info: QuickInfo): string {
  const lines = [partsText(info.displayParts)];
  const docs = partsText(info.documentation).trim();
  if (docs) lines.push('', docs);
  const tags = (info.tags ?? []).map((tag) => {
    const text = partsText(tag.text).trim();
    return tag.name === 'example' ? `@example\n${text}` : `@${tag.name}${text ? ` ${text}` : ''}`;
  });
  if (tags.length) lines.push('', ...tags);
  return lines.join('\n');
}

interface InspectHandler {
  executor: { inspect(code: string, position: number): QuickInfo | undefined };
}

/** Replaces `JupyterHandlerImpl.prototype.handleInspect`; false when tslab's shape differs. */
export function readableInspect(tslabJupyter: Record<string, unknown>): boolean {
  const handler = classPrototype(tslabJupyter, 'JupyterHandlerImpl');
  if (typeof handler?.handleInspect !== 'function') return false;
  handler.handleInspect = function (this: unknown, ...args: unknown[]) {
    const request = args[0] as { code: string; cursor_pos: number };
    const info = (this as InspectHandler).executor.inspect(request.code, request.cursor_pos);
    if (!info) return { status: 'ok', found: false, data: {}, metadata: {} };
    return { status: 'ok', found: true, data: { 'text/plain': quickInfoText(info) }, metadata: {} };
  };
  return true;
}
