import { resolve } from 'node:path';
import type { SentenceEmbedder } from '../models/types';
import { EmbedlabError } from '../util/errors';
import { checkFingerprint, readTrainerState } from './checkpoint';
import { newestLoadableCheckpoint } from './runFolder';
import { signatureChanges } from './runSignature';
import type { RunSignature, TrainerState } from './types';

/** A checkpoint to continue from, already checked against the model and the run. */
export interface ResumePoint {
  path: string;
  state: TrainerState;
}

/**
 * The checkpoint `resume` names (`true`: the newest in `outputDir` that loads;
 * broken newer ones are skipped through `warn`), refused when it was written
 * for another model or with other data or batch settings.
 */
export function findResumePoint(
  model: SentenceEmbedder,
  resume: boolean | string | undefined,
  outputDir: string | undefined,
  signature: RunSignature,
  warn: (message: string) => void,
): ResumePoint | undefined {
  if (resume) {
    const newest = resume === true ? newestLoadableCheckpoint(outputDir!, warn) : undefined;
    const path = resume === true ? newest?.path : resolve(resume);
    if (!path) throw new EmbedlabError(`nothing to resume: ${outputDir} holds no checkpoint-<step> folder that loads`);
    const state = newest?.state ?? readTrainerState(path);
    checkFingerprint(path, state, model);
    const changed = signatureChanges(state.run, signature);
    if (changed.length > 0) {
      throw new EmbedlabError(`cannot resume from ${path}: ${changed.join('; ')}. Resume with the same data and batch settings.`);
    }
    return { path, state };
  }
  // an earlier run's checkpoints without resume were refused (or cleared for overwrite) by checkRunFolder
  return undefined;
}
