import { resolve } from 'node:path';
import type { SentenceEmbedder } from '../models/types';
import { EmbedlabError } from '../util/errors';
import { checkFingerprint, listCheckpoints, readTrainerState } from './checkpoint';
import { signatureChanges } from './runSignature';
import type { RunSignature, TrainerState } from './types';

/** A checkpoint to continue from, already checked against the model and the run. */
export interface ResumePoint {
  path: string;
  state: TrainerState;
}

/**
 * The checkpoint `resume` names (`true`: the newest in `outputDir`), refused
 * when it was written for another model or with other data or batch settings.
 * Without `resume`, an `outputDir` that already holds checkpoints is refused,
 * so a new run never mixes its checkpoints with an old one's.
 */
export function findResumePoint(
  model: SentenceEmbedder,
  resume: boolean | string | undefined,
  outputDir: string | undefined,
  signature: RunSignature,
): ResumePoint | undefined {
  if (resume) {
    const path = resume === true ? listCheckpoints(outputDir!).pop()?.path : resolve(resume);
    if (!path) throw new EmbedlabError(`nothing to resume: ${outputDir} holds no checkpoint-<step> folder`);
    const state = readTrainerState(path);
    checkFingerprint(path, state, model);
    const changed = signatureChanges(state.run, signature);
    if (changed.length > 0) {
      throw new EmbedlabError(`cannot resume from ${path}: ${changed.join('; ')}. Resume with the same data and batch settings.`);
    }
    return { path, state };
  }
  if (outputDir && listCheckpoints(outputDir).length > 0) {
    const found = listCheckpoints(outputDir).map((c) => c.path.split(/[\\/]/).pop());
    throw new EmbedlabError(
      `${outputDir} already holds checkpoints (${found.join(', ')}); pass resume: true to continue that run, or choose an empty outputDir`,
    );
  }
  return undefined;
}
