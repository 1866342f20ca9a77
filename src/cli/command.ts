/** One CLI subcommand. `run` receives the arguments after the command name. */
export interface Command {
  /** One line for `embedlab --help`. */
  summary: string;
  /** Full usage text for `embedlab <command> --help`. */
  help: string;
  /** Returns the exit code (0 when omitted). Throw EmbedlabError for user errors. */
  run(argv: string[]): Promise<number | void>;
}
