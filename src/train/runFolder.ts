/**
 * A training run's output folder: checked before training (the output
 * policy, an earlier run's checkpoints), prepared when training starts
 * (marked as embedlab's, temp folders of killed checkpoint writes removed),
 * and recovered from when a checkpoint is broken or the disk fills up.
 */
import { existsSync, readdirSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { SafetensorsFile } from '../models/safetensors';
import { EmbedlabError } from '../util/errors';
import { EXPLAINED_FS_CODES, explainFsError } from '../util/fsErrors';
import { checkOutput, prepareOutputFolder } from '../util/outputs';
import { listCheckpoints, readTrainerState, type CheckpointRef, type TrainerState } from './checkpoints';

/** How the user spells the output settings: API option names, or CLI flags. */
export interface RunFolderNames {
  output: string;
  resume: string;
  overwrite: string;
}

/** The names {@link finetune}'s options use. */
export const API_NAMES: RunFolderNames = { output: 'outputDir', resume: 'resume: true', overwrite: 'overwrite: true' };

/** The folder a model was loaded from, when it was loaded from one. */
export function modelFolder(model: unknown): string | undefined {
  const folder = (model as { folder?: unknown } | undefined)?.folder;
  return typeof folder === 'string' ? folder : undefined;
}

/**
 * Checks `outputDir` before any training work: the output policy (not the
 * model's own folder, not a file, writable, no foreign files unless
 * overwriting) and an earlier run's checkpoints (continue it with resume, or
 * start over with overwrite).
 */
export function checkRunFolder(
  outputDir: string,
  options: { resume?: boolean | string; overwrite?: boolean; reads?: { name: string; path: string | undefined }[] },
  names: RunFolderNames = API_NAMES,
): string {
  const resumeHere = options.resume === true;
  const path = checkOutput({
    path: outputDir,
    kind: 'folder',
    name: names.output,
    reads: options.reads,
    overwrite: options.overwrite,
    overwriteHint: names.overwrite,
    resume: resumeHere,
  });
  if (!options.resume && !options.overwrite && listCheckpoints(path).length > 0) {
    const found = listCheckpoints(path).map((c) => c.path.split(/[\\/]/).pop());
    throw new EmbedlabError(
      `${names.output} ${outputDir} already holds checkpoints (${found.join(', ')}); pass ${names.resume} to continue that run, ` +
        `${names.overwrite} to start over (its checkpoints are replaced), or choose another ${names.output}`,
    );
  }
  return path;
}

/** Whether process `pid` is alive. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Makes `outputDir` ready for a run that passed {@link checkRunFolder}: creates
 * and marks it, removes `.checkpoint-<step>.<pid>.tmp` folders that a killed
 * process left (their writer is gone; a live writer's are kept), and — when
 * starting over with `overwrite` — the earlier run's `checkpoint-<step>` folders
 * (embedlab wrote them; nothing else in the folder is touched).
 */
export async function prepareRunFolder(outputDir: string, options: { overwrite?: boolean; resume?: boolean | string }, warn: (message: string) => void): Promise<void> {
  prepareOutputFolder(outputDir, 'training run');
  for (const name of readdirSync(outputDir)) {
    const match = /^\.checkpoint-\d+\.(\d+)\.tmp$/.exec(name);
    if (!match || alive(Number(match[1]))) continue;
    await rm(join(outputDir, name), { recursive: true, force: true });
    warn(`removed ${join(outputDir, name)}, left by a checkpoint write that was killed`);
  }
  if (options.overwrite && !options.resume) {
    const earlier = listCheckpoints(outputDir);
    for (const ref of earlier) await rm(ref.path, { recursive: true, force: true });
    if (earlier.length) warn(`starting over in ${outputDir}: removed the earlier run's ${earlier.map((c) => c.path.split(/[\\/]/).pop()).join(', ')}`);
  }
}

/** Why checkpoint `path` cannot be resumed from, or undefined when it loads. */
function whyNotLoadable(ref: CheckpointRef): string | undefined {
  try {
    readTrainerState(ref.path);
    for (const file of ['trainer_weights.safetensors', 'optimizer.safetensors']) {
      const path = join(ref.path, file);
      if (!existsSync(path)) return `${file} is missing`;
      SafetensorsFile.open(path).close(); // checks the header against the file's size
    }
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

/**
 * The newest checkpoint in `outputDir` that loads, with its state; each newer
 * one that does not (a truncated file, a broken trainer state) is reported
 * through `warn` with the reason, then skipped.
 */
export function newestLoadableCheckpoint(outputDir: string, warn: (message: string) => void): { path: string; state: TrainerState } | undefined {
  const all = listCheckpoints(outputDir);
  for (let i = all.length - 1; i >= 0; i--) {
    const why = whyNotLoadable(all[i]!);
    if (why === undefined) return { path: all[i]!.path, state: readTrainerState(all[i]!.path) };
    warn(`skipping ${all[i]!.path}: it does not load (${why})${i > 0 ? '; trying the previous checkpoint' : ''}`);
  }
  return undefined;
}

/** A write during training failed; `lastCheckpoint` is the newest checkpoint that was written whole. */
export class TrainingWriteError extends EmbedlabError {
  override readonly name = 'TrainingWriteError';
  constructor(
    message: string,
    readonly lastCheckpoint: string | undefined,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * A file-system error during training (disk full, read-only disk …) as a
 * {@link TrainingWriteError} that says which checkpoint is intact; other
 * errors come back unchanged.
 */
export function trainingWriteFailure(error: unknown, lastCheckpoint: string | undefined): unknown {
  const code = (error as { code?: unknown } | undefined)?.code;
  if (error instanceof TrainingWriteError || typeof code !== 'string' || !EXPLAINED_FS_CODES.includes(code)) return error;
  const explained = explainFsError(error, (error as NodeJS.ErrnoException).path) as Error;
  const kept = lastCheckpoint ? `the last good checkpoint is ${lastCheckpoint}` : 'no checkpoint had been written';
  return new TrainingWriteError(`${explained.message}; training stopped, ${kept}`, lastCheckpoint, { cause: error });
}
