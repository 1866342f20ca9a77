/**
 * Flags for prompts, the model card and publishing, shared by `demo` and
 * `finetune`: `--query-prompt`, `--document-prompt` (or `--query-prompt-name`,
 * `--document-prompt-name`), `--license`, `--language`, `--push-to-hub`,
 * `--private`. The flags themselves are in the shared flag table (`flags.ts`).
 */
import type { PromptOptions, ShareOptions } from '../workflow/sharing';
import { checkPromptOptions, checkShareOptions } from '../workflow/sharing';

/** The flags' values as the shared flag table ({@link FLAGS}) parses them. */
type Values = {
  'query-prompt'?: string;
  'document-prompt'?: string;
  'query-prompt-name'?: string;
  'document-prompt-name'?: string;
  license?: string;
  language?: string;
  'push-to-hub'?: string;
  private?: boolean;
};

/** The flags as options, checked (with flag names in the errors) before any work. */
export function parseShareFlags(values: Values): PromptOptions & ShareOptions {
  const flag = (message: string) => message
    .replace(/^give a (query|document) prompt or a \1 prompt name, not both$/, (_, side: string) => `pass --${side}-prompt or --${side}-prompt-name, not both`)
    .replace(/^the (query|document) prompt( name)? is empty$/, (_, side: string, name?: string) => `--${side}-prompt${name ? '-name' : ''} is empty`)
    .replace(/^license /, '--license ')
    .replace(/^language /, '--language ')
    .replace(/^private applies to a push: give the repo to push to$/, '--private applies to --push-to-hub: give the repo to push to');
  const options: PromptOptions & ShareOptions = {
    ...(values['query-prompt'] !== undefined && { queryPrompt: values['query-prompt'] }),
    ...(values['document-prompt'] !== undefined && { documentPrompt: values['document-prompt'] }),
    ...(values['query-prompt-name'] !== undefined && { queryPromptName: values['query-prompt-name'] }),
    ...(values['document-prompt-name'] !== undefined && { documentPromptName: values['document-prompt-name'] }),
    ...(values.license !== undefined && { license: values.license }),
    ...(values.language !== undefined && { language: values.language.split(',').map((l) => l.trim()) }),
    ...(values['push-to-hub'] !== undefined && { pushToHub: values['push-to-hub'] }),
    ...(values.private && { private: true }),
  };
  try {
    checkPromptOptions(options);
    checkShareOptions(options);
  } catch (error) {
    (error as Error).message = flag((error as Error).message);
    throw error;
  }
  return options;
}
