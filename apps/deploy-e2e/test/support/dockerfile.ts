/** One Dockerfile instruction with its continuation lines joined. */
export interface Instruction {
  readonly keyword: string;
  readonly args: string;
}

/** One build stage: its base image expression, optional name and instructions. */
export interface Stage {
  readonly from: string;
  readonly name?: string;
  readonly instructions: Instruction[];
}

export interface Dockerfile {
  /** ARG instructions before the first FROM, with their defaults. */
  readonly globalArgs: Record<string, string | undefined>;
  readonly stages: Stage[];
}

/** Parses a Dockerfile: comments dropped, `\` continuations joined, instructions grouped by stage. */
export function parseDockerfile(text: string): Dockerfile {
  const logical: string[] = [];
  let current = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!current && (line === '' || line.startsWith('#'))) continue;
    if (line.startsWith('#')) continue;
    if (line.endsWith('\\')) {
      current += `${line.slice(0, -1).trim()} `;
      continue;
    }
    logical.push((current + line).trim());
    current = '';
  }
  const globalArgs: Record<string, string | undefined> = {};
  const stages: Stage[] = [];
  for (const line of logical) {
    const space = line.indexOf(' ');
    const keyword = (space < 0 ? line : line.slice(0, space)).toUpperCase();
    const args = space < 0 ? '' : line.slice(space + 1).trim();
    if (keyword === 'FROM') {
      const match = /^(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?$/i.exec(args);
      if (!match) throw new Error(`bad FROM: ${args}`);
      stages.push({ from: match[1] as string, name: match[2], instructions: [] });
    } else if (stages.length === 0) {
      if (keyword !== 'ARG') throw new Error(`${keyword} before the first FROM`);
      const [name, value] = args.split('=', 2);
      globalArgs[name as string] = value;
    } else {
      (stages[stages.length - 1] as Stage).instructions.push({ keyword, args });
    }
  }
  return { globalArgs, stages };
}

/** The base image of a stage with `${ARG}` references to global ARG defaults resolved. */
export function resolvedBase(dockerfile: Dockerfile, stage: Stage): string {
  return stage.from.replace(
    /\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?/g,
    (_, name: string) => dockerfile.globalArgs[name] ?? '',
  );
}

/** The JSON array of an exec-form instruction (`CMD ["a", "b"]`), or undefined for shell form. */
export function execForm(instruction: Instruction | undefined): string[] | undefined {
  if (!instruction) return undefined;
  const args = instruction.args;
  const start = args.indexOf('[');
  if (start < 0) return undefined;
  const parsed: unknown = JSON.parse(args.slice(start));
  return Array.isArray(parsed) && parsed.every((p) => typeof p === 'string') ? parsed : undefined;
}
