/**
 * The Jupyter messaging protocol as ipykernel speaks it, in place of tslab's
 * shell loop (tslab 1.0.22 answers a failed cell with a stderr stream, sends
 * no `execute_input`, reports idle while queued cells still run and ignores
 * `interrupt_request`).
 *
 * Per execute request, in order: `status: busy` when the cell starts (not
 * when it is queued), `execute_input` with its execution count, its outputs,
 * an `execute_result` for a last value, an `error` message for a failure,
 * the `execute_reply` (`ok`, `error` with ename/evalue/traceback, or
 * `aborted`), then `status: idle` once the cell's work is done. After a
 * failure with `stop_on_error` (the default), the requests already queued
 * behind the failed cell are aborted, as "Run All" expects; later ones run.
 * The other requests are answered by tslab's handlers, at once, even while a
 * cell runs.
 */
import { CellRun, startCellRun } from './cellRun';
import { recordCellExecution } from './cellTracking';
import { classPrototype } from './tslabInternals';
import { diagnosticsError, type ErrorContent } from './traceback';
import { WireMessage, type FrameSink } from './wireMessage';
import type { Insert } from './shorthandProperties';

/** tslab's `ZmqServer`, as the protocol uses it. */
interface TslabServer {
  connInfo: { key: string };
  iopub: FrameSink;
  handler: TslabHandler;
  publishStatus(status: string, parent: WireMessage): void;
  handleKernelInfo(socket: FrameSink, message: WireMessage): void;
  handleIsComplete(socket: FrameSink, message: WireMessage): void;
  handleInspect(socket: FrameSink, message: WireMessage): void;
  handleComplete(socket: FrameSink, message: WireMessage): void;
  handleShutdown(socket: FrameSink, message: WireMessage): void;
  close(): void;
}

type WriteStream = (name: string, text: string) => void;
type WriteDisplayData = (data: Record<string, unknown>, update: boolean) => void;

/** tslab's `JupyterHandlerImpl`, as the protocol uses it. */
interface TslabHandler {
  execCount: number;
  handleExecuteImpl(request: Record<string, unknown>, writeStream: WriteStream, writeDisplayData: WriteDisplayData): Promise<unknown>;
}

/** What the launcher adds to each cell's execution. */
export interface ExecutionHooks {
  /** The code tslab runs, and what was inserted into the user's code to get it. */
  prepare(code: string): { code: string; inserts: Insert[] };
  /** Runs before the cell (e.g. starts the backend); may write to the cell's output. */
  beforeCell(run: CellRun, write: WriteStream): Promise<void>;
  /** The MIME bundle of a cell's last value. */
  displayValue(value: unknown): Record<string, unknown>;
  /** A runtime error as an `error` message. */
  runtimeError(value: unknown): ErrorContent;
  /** Kernel → Interrupt (an `interrupt_request`; SIGINT reaches the launcher directly). */
  interrupt(): void;
}

interface ExecuteRequest {
  code?: unknown;
  silent?: boolean;
  store_history?: boolean;
  stop_on_error?: boolean;
}

/** Replaces tslab's shell handling on `ZmqServer` (from its `dist/jupyter.js`); false when its shape differs. */
export function speakJupyterProtocol(tslabJupyter: Record<string, unknown>, hooks: ExecutionHooks): boolean {
  const server = classPrototype(tslabJupyter, 'ZmqServer');
  if (typeof server?.handleShellMessage !== 'function' || typeof server.publishStatus !== 'function') return false;

  /** Requests received so far, and through which one the queue is aborted. */
  let received = 0;
  let abortThrough = 0;
  let queue: Promise<void> = Promise.resolve();
  /** The execute request whose cell runs now. */
  let running: WireMessage | undefined;

  function publish(self: TslabServer, parent: WireMessage, type: string, content: Record<string, unknown>): void {
    parent.createReply(type, content).signAndSend(self.connInfo.key, self.iopub);
  }

  async function execute(self: TslabServer, socket: FrameSink, message: WireMessage): Promise<void> {
    const number = ++received;
    const previous = queue;
    let finished!: () => void;
    queue = new Promise((resolve) => (finished = resolve));
    await previous;
    try {
      self.publishStatus('busy', message);
      if (number <= abortThrough) {
        message.createReply('execute_reply', { status: 'aborted', execution_count: null }).signAndSend(self.connInfo.key, socket);
        return;
      }
      running = message;
      const reply = await runCell(self, message);
      reply.signAndSend(self.connInfo.key, socket);
    } finally {
      running = undefined;
      self.publishStatus('idle', message);
      finished();
    }
  }

  async function runCell(self: TslabServer, message: WireMessage): Promise<WireMessage> {
    const request = message.content as ExecuteRequest;
    const code = typeof request.code === 'string' ? request.code : '';
    const handler = self.handler;
    const count = handler.execCount + 1; // tslab counts every execution, as it runs it
    if (!request.silent) publish(self, message, 'execute_input', { code, execution_count: count });
    const prepared = hooks.prepare(code);
    const run = new CellRun(count, code, prepared.inserts);
    startCellRun(run);
    recordCellExecution(message.metadata as { cellId?: unknown }, code, count, message.header.session);

    const writeStream: WriteStream = (name, text) => publish(self, message, 'stream', { name, text });
    const writeDisplayData: WriteDisplayData = (data, update) =>
      publish(self, message, update ? 'update_display_data' : 'display_data', data);
    let failed = false;
    try {
      await hooks.beforeCell(run, writeStream);
      await handler.handleExecuteImpl({ ...request, code: prepared.code }, writeStream, writeDisplayData);
    } catch (thrown) {
      failed = true;
      // tslab throws its ExecutionCount after reporting the error to the executor's console
      if (!(thrown && typeof thrown === 'object' && thrown.constructor?.name === 'ExecutionCount')) run.error ??= { value: thrown };
    }
    handler.execCount = Math.max(handler.execCount, count);

    if (!failed) {
      // a module cell's type errors do not stop it; show them
      if (run.diagnostics.length) writeStream('stderr', diagnosticsError(run).traceback.join('\n') + '\n');
      if (run.result && !request.silent) {
        publish(self, message, 'execute_result', { execution_count: count, data: hooks.displayValue(run.result.value), metadata: {} });
      }
      return message.createReply('execute_reply', { status: 'ok', execution_count: count, user_expressions: {}, payload: [] });
    }
    const error: ErrorContent = run.diagnostics.length
      ? diagnosticsError(run)
      : hooks.runtimeError(run.error ? run.error.value : new Error('the cell failed'));
    publish(self, message, 'error', { ...error });
    if (request.stop_on_error !== false) {
      // requests the client sent before it saw this failure are dropped, as ipykernel does
      await new Promise((resolve) => setTimeout(resolve, 20));
      abortThrough = received;
    }
    return message.createReply('execute_reply', { status: 'error', execution_count: count, ...error });
  }

  function answer(self: TslabServer, socket: FrameSink, message: WireMessage): void {
    const reply = (type: string, content: Record<string, unknown>) =>
      message.createReply(type, content).signAndSend(self.connInfo.key, socket);
    switch (message.header.msg_type) {
      case 'kernel_info_request':
        return self.handleKernelInfo(socket, message);
      case 'is_complete_request':
        return self.handleIsComplete(socket, message);
      case 'inspect_request':
        return self.handleInspect(socket, message);
      case 'complete_request':
        return self.handleComplete(socket, message);
      case 'comm_info_request':
        return reply('comm_info_reply', { status: 'ok', comms: {} });
      case 'history_request':
        return reply('history_reply', { status: 'ok', history: [] });
      case 'interrupt_request':
        reply('interrupt_reply', { status: 'ok' });
        return hooks.interrupt();
      case 'shutdown_request':
        return self.handleShutdown(socket, message);
      default:
        console.warn(`unknown msg_type: ${message.header.msg_type}`);
    }
  }

  server.handleShellMessage = async function (this: unknown, ...args: unknown[]) {
    const self = this as TslabServer;
    const [socket, ...frames] = args as [FrameSink, ...Buffer[]];
    let message: WireMessage;
    try {
      message = WireMessage.parse(self.connInfo.key, frames);
    } catch (error) {
      console.warn(`dropped a message: ${(error as Error).message}`);
      return;
    }
    if (message.header.msg_type === 'execute_request') return execute(self, socket, message);
    self.publishStatus('busy', message);
    try {
      answer(self, socket, message);
    } finally {
      self.publishStatus('idle', message);
      // a cell still runs: the kernel is busy with it
      if (running) self.publishStatus('busy', running);
    }
    if (message.header.msg_type === 'shutdown_request') self.close();
  };
  return true;
}
