/**
 * PEP 508 dependency specifications: requirements (`name[extra] (>=1,<2) ;
 * marker`, `name @ url ; marker`) and environment markers, their evaluation
 * for a target Python, and a canonical text of a marker for comparing. Pure.
 * @module
 */
import {
  formatVersion,
  normalizeSpecifiers,
  parseSpecifiers,
  parseVersion,
  SpecifierError,
  specifiersContain,
} from "./pep440.ts";
import { normalizeName } from "./site_packages.ts";

/** The string-valued marker variables of PEP 508. */
export type MarkerStringVariable =
  | "python_version"
  | "python_full_version"
  | "os_name"
  | "sys_platform"
  | "platform_release"
  | "platform_system"
  | "platform_version"
  | "platform_machine"
  | "platform_python_implementation"
  | "implementation_name"
  | "implementation_version"
  | "extra";

/** The set-valued marker variables (PEP 751 / packaging 25): only `'x' in extras`. */
export type MarkerSetVariable = "extras" | "dependency_groups";

/** Any marker variable. */
export type MarkerVariable = MarkerStringVariable | MarkerSetVariable;

/** A comparison operator of a marker. */
export type MarkerOperator = "<" | "<=" | "!=" | "==" | ">=" | ">" | "~=" | "===" | "in" | "not in";

/** One side of a comparison: a variable or a quoted string. */
export type MarkerOperand =
  | { kind: "variable"; name: MarkerVariable }
  | { kind: "literal"; value: string };

/** `python_version >= '3.8'`, `'3.8' < python_version`, `'dev' in extras`. */
export interface MarkerComparison {
  /** Discriminant. */
  kind: "compare";
  /** Left operand as written. */
  left: MarkerOperand;
  /** The operator. */
  op: MarkerOperator;
  /** Right operand as written. */
  right: MarkerOperand;
}

/** `a and b and c` / `a or b`: two or more markers joined by one boolean operator. */
export interface MarkerJunction {
  /** Discriminant. */
  kind: "and" | "or";
  /** The joined markers (at least two). */
  items: Marker[];
}

/** A parsed environment marker. */
export type Marker = MarkerComparison | MarkerJunction;

/** The values the marker variables take on the target (fields named as the variables). */
export interface MarkerEnvironment {
  /** `3.11` */
  python_version: string;
  /** `3.11.7` */
  python_full_version: string;
  /** `posix` */
  os_name: string;
  /** `linux` */
  sys_platform: string;
  /** Kernel release (`platform.release()`). */
  platform_release: string;
  /** `Linux` */
  platform_system: string;
  /** `platform.version()` */
  platform_version: string;
  /** `x86_64` */
  platform_machine: string;
  /** `CPython` */
  platform_python_implementation: string;
  /** `cpython` */
  implementation_name: string;
  /** `3.11.7` */
  implementation_version: string;
  /** The extra being installed; markers naming `extra` are false without it. */
  extra?: string;
  /** The extras being installed (`'x' in extras`); none when absent. */
  extras?: string[];
  /** The dependency groups being installed (`'x' in dependency_groups`); none when absent. */
  dependency_groups?: string[];
}

/** A marker text that is not PEP 508, or a comparison that has no meaning. */
export class MarkerError extends Error {
  /** @param message what is wrong, naming the marker */
  constructor(message: string) {
    super(message);
    this.name = "MarkerError";
  }
}

/** A requirement text that is not PEP 508. */
export class RequirementError extends Error {
  /** @param message what is wrong, naming the requirement */
  constructor(message: string) {
    super(message);
    this.name = "RequirementError";
  }
}

/** A parsed PEP 508 requirement. */
export interface Requirement {
  /** The project name as written. */
  name: string;
  /** PEP 503 normalised name (`Foo_Bar` -> `foo-bar`). */
  normalizedName: string;
  /** Extras, normalised, sorted, without duplicates. */
  extras: string[];
  /** {@link normalizeSpecifiers} of the version part; `""` when there is none. */
  specifier: string;
  /** The URL of a `name @ url` requirement. */
  url?: string;
  /** The marker after `;`, if any. */
  marker?: Marker;
}

const STRING_VARIABLES: readonly MarkerStringVariable[] = [
  "python_version",
  "python_full_version",
  "os_name",
  "sys_platform",
  "platform_release",
  "platform_system",
  "platform_version",
  "platform_machine",
  "platform_python_implementation",
  "implementation_name",
  "implementation_version",
  "extra",
];

const SET_VARIABLES: readonly MarkerSetVariable[] = ["extras", "dependency_groups"];

// Spellings from before PEP 508 that old metadata still carries (packaging accepts them).
const LEGACY_VARIABLES: Record<string, MarkerStringVariable> = {
  "os.name": "os_name",
  "sys.platform": "sys_platform",
  "platform.version": "platform_version",
  "platform.machine": "platform_machine",
  "platform.python_implementation": "platform_python_implementation",
  "python_implementation": "platform_python_implementation",
};

// Variables whose values are versions: compared with PEP 440 when both sides parse.
const VERSION_VARIABLES: ReadonlySet<MarkerVariable> = new Set([
  "python_version",
  "python_full_version",
  "implementation_version",
]);

function isSetVariable(name: MarkerVariable): name is MarkerSetVariable {
  return (SET_VARIABLES as readonly string[]).includes(name);
}

type Token =
  | { type: "string"; value: string; at: number }
  | { type: "op"; value: MarkerOperator; at: number }
  | { type: "word"; value: string; at: number }
  | { type: "paren"; value: "(" | ")"; at: number };

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (/\s/.test(c)) {
      i++;
    } else if (c === "'" || c === '"') {
      const end = text.indexOf(c, i + 1);
      if (end < 0) {
        throw new MarkerError(`marker "${text}": the string at ${i + 1} has no end quote`);
      }
      tokens.push({ type: "string", value: text.slice(i + 1, end), at: i });
      i = end + 1;
    } else if (c === "(" || c === ")") {
      tokens.push({ type: "paren", value: c, at: i++ });
    } else {
      const op = /^(===|==|!=|<=|>=|~=|<|>)/.exec(text.slice(i));
      const word = /^[A-Za-z_][A-Za-z0-9_.]*/.exec(text.slice(i));
      if (op !== null) {
        tokens.push({ type: "op", value: op[1] as MarkerOperator, at: i });
        i += op[1].length;
      } else if (word !== null) {
        tokens.push({ type: "word", value: word[0], at: i });
        i += word[0].length;
      } else {
        throw new MarkerError(
          `marker "${text}": unexpected "${c}" at ${i + 1} (strings need quotes: 'linux')`,
        );
      }
    }
  }
  return tokens;
}

class MarkerParser {
  #tokens: Token[];
  #pos = 0;
  #text: string;

  constructor(text: string) {
    this.#text = text;
    this.#tokens = tokenize(text);
  }

  #fail(what: string): never {
    const token = this.#tokens[this.#pos];
    const where = token === undefined
      ? "at the end"
      : `at ${token.at + 1} ("${this.#text.slice(token.at, token.at + 20)}")`;
    throw new MarkerError(`marker "${this.#text}": expected ${what} ${where}`);
  }

  #peekWord(word: string): boolean {
    const token = this.#tokens[this.#pos];
    return token?.type === "word" && token.value === word;
  }

  parse(): Marker {
    if (this.#tokens.length === 0) this.#fail("a comparison such as python_version >= '3.8'");
    const marker = this.#or();
    if (this.#pos < this.#tokens.length) this.#fail("`and`, `or` or the end");
    return marker;
  }

  #or(): Marker {
    const items = [this.#and()];
    while (this.#peekWord("or")) {
      this.#pos++;
      items.push(this.#and());
    }
    return items.length === 1 ? items[0] : { kind: "or", items };
  }

  #and(): Marker {
    const items = [this.#atom()];
    while (this.#peekWord("and")) {
      this.#pos++;
      items.push(this.#atom());
    }
    return items.length === 1 ? items[0] : { kind: "and", items };
  }

  #atom(): Marker {
    const token = this.#tokens[this.#pos];
    if (token?.type === "paren" && token.value === "(") {
      this.#pos++;
      const inner = this.#or();
      const close = this.#tokens[this.#pos];
      if (close?.type !== "paren" || close.value !== ")") this.#fail("`)`");
      this.#pos++;
      return inner;
    }
    const left = this.#operand();
    const op = this.#operator();
    const right = this.#operand();
    return checkComparison({ kind: "compare", left, op, right }, this.#text);
  }

  #operand(): MarkerOperand {
    const token = this.#tokens[this.#pos];
    if (token?.type === "string") {
      this.#pos++;
      return { kind: "literal", value: token.value };
    }
    if (token?.type === "word") {
      const name = LEGACY_VARIABLES[token.value] ?? token.value;
      if (
        (STRING_VARIABLES as readonly string[]).includes(name) ||
        (SET_VARIABLES as readonly string[]).includes(name)
      ) {
        this.#pos++;
        return { kind: "variable", name: name as MarkerVariable };
      }
      throw new MarkerError(
        `marker "${this.#text}": "${token.value}" is not a marker variable ` +
          `(one of ${[...STRING_VARIABLES, ...SET_VARIABLES].join(", ")})` +
          " and not a quoted string",
      );
    }
    return this.#fail("a marker variable or a quoted string");
  }

  #operator(): MarkerOperator {
    const token = this.#tokens[this.#pos];
    if (token?.type === "op") {
      this.#pos++;
      return token.value;
    }
    if (this.#peekWord("in")) {
      this.#pos++;
      return "in";
    }
    if (this.#peekWord("not")) {
      this.#pos++;
      if (!this.#peekWord("in")) this.#fail("`in` after `not`");
      this.#pos++;
      return "not in";
    }
    return this.#fail("an operator (<, <=, !=, ==, >=, >, ~=, ===, in, not in)");
  }
}

// Set-valued variables only make sense as the right side of `in`/`not in`.
function checkComparison(c: MarkerComparison, text: string): MarkerComparison {
  const setOnLeft = c.left.kind === "variable" && isSetVariable(c.left.name);
  const setOnRight = c.right.kind === "variable" && isSetVariable(c.right.name);
  if (setOnLeft || (setOnRight && c.op !== "in" && c.op !== "not in")) {
    const name = setOnLeft ? (c.left as { name: string }).name : (c.right as { name: string }).name;
    throw new MarkerError(
      `marker "${text}": ${name} is a set; write '<name>' in ${name} or '<name>' not in ${name}`,
    );
  }
  if (setOnRight && c.left.kind !== "literal") {
    throw new MarkerError(
      `marker "${text}": the left side of \`in\` a set must be a quoted string`,
    );
  }
  return c;
}

/**
 * Parse a PEP 508 environment marker (the text after `;`): comparisons of
 * variables and quoted strings (either order, either quote), `and`
 * binding tighter than `or`, parentheses, `in`/`not in`, and the set-valued
 * `extras`/`dependency_groups` (`'dev' in dependency_groups`).
 * @throws MarkerError naming what is wrong and where
 */
export function parseMarker(text: string): Marker {
  return new MarkerParser(text).parse();
}

function operandValue(operand: MarkerOperand, env: MarkerEnvironment): string | string[] {
  if (operand.kind === "literal") return operand.value;
  if (operand.name === "extras") return (env.extras ?? []).map(normalizeName);
  if (operand.name === "dependency_groups") return (env.dependency_groups ?? []).map(normalizeName);
  if (operand.name === "extra") return normalizeName(env.extra ?? "");
  return env[operand.name];
}

function variableOf(c: MarkerComparison): MarkerVariable | undefined {
  if (c.left.kind === "variable") return c.left.name;
  return c.right.kind === "variable" ? c.right.name : undefined;
}

// The two sides of a comparison once the variables are looked up.
interface Sides {
  left: string;
  right: string;
}

function compareStrings(op: MarkerOperator, { left, right }: Sides): boolean | undefined {
  switch (op) {
    case "==":
      return left === right;
    case "!=":
      return left !== right;
    case "<":
      return left < right;
    case "<=":
      return left <= right;
    case ">":
      return left > right;
    case ">=":
      return left >= right;
    case "in":
      return right.includes(left);
    case "not in":
      return !right.includes(left);
    case "===":
      return left === right;
    case "~=":
      return undefined;
  }
}

// `left op right` as packaging does it: the specifier `op + right` applied to `left`.
function compareVersionsOp(op: MarkerOperator, { left, right }: Sides): boolean | undefined {
  if (op === "in" || op === "not in" || parseVersion(left) === undefined) return undefined;
  try {
    return specifiersContain(parseSpecifiers(`${op}${right}`), left, { prereleases: true });
  } catch (error) {
    if (error instanceof SpecifierError) return undefined;
    throw error;
  }
}

function evaluateComparison(c: MarkerComparison, env: MarkerEnvironment): boolean {
  const variable = variableOf(c);
  if (variable === "extra" && env.extra === undefined) return false;
  let left = operandValue(c.left, env);
  let right = operandValue(c.right, env);
  if (Array.isArray(right)) {
    const member = right.includes(normalizeName(left as string));
    return c.op === "in" ? member : !member;
  }
  left = left as string;
  if (variable === "extra") [left, right] = [normalizeName(left), normalizeName(right)];
  if (variable !== undefined && VERSION_VARIABLES.has(variable)) {
    const result = compareVersionsOp(c.op, { left, right });
    if (result !== undefined) return result;
  }
  const result = compareStrings(c.op, { left, right });
  if (result === undefined) {
    throw new MarkerError(
      `marker "${markerToString(c)}": ${c.op} needs versions on both sides ` +
        `("${left}" and "${right}" are not)`,
    );
  }
  return result;
}

/**
 * Evaluate a marker for an environment with PEP 508 semantics: version
 * variables compare as PEP 440 versions when both sides are versions (else
 * as strings), `extra` compares after PEP 503 normalisation and is false
 * when the environment installs no extra, `in`/`not in` test substrings
 * (or membership for `extras`/`dependency_groups`).
 * @throws MarkerError for a comparison without meaning (`~=` between non-versions)
 */
export function evaluateMarker(marker: Marker, env: MarkerEnvironment): boolean {
  switch (marker.kind) {
    case "and":
      return marker.items.every((m) => evaluateMarker(m, env));
    case "or":
      return marker.items.some((m) => evaluateMarker(m, env));
    case "compare":
      return evaluateComparison(marker, env);
  }
}

/**
 * The marker environment of CPython `pythonFullVersion` (`3.11.7`) on Linux
 * x86_64, the only target of this buildpack. The kernel's release and
 * version are unknown at staging time for the app's container, so empty.
 */
export function linuxEnvironment(pythonFullVersion: string): MarkerEnvironment {
  const [major, minor] = pythonFullVersion.split(".");
  return {
    python_version: `${major}.${minor}`,
    python_full_version: pythonFullVersion,
    os_name: "posix",
    sys_platform: "linux",
    platform_release: "",
    platform_system: "Linux",
    platform_version: "",
    platform_machine: "x86_64",
    platform_python_implementation: "CPython",
    implementation_name: "cpython",
    implementation_version: pythonFullVersion,
  };
}

const FLIPPED: Partial<Record<MarkerOperator, MarkerOperator>> = {
  "==": "==",
  "!=": "!=",
  "===": "===",
  "<": ">",
  "<=": ">=",
  ">": "<",
  ">=": "<=",
};

function quote(value: string): string {
  return value.includes("'") ? `"${value}"` : `'${value}'`;
}

function canonicalLiteral(
  value: string,
  context: { variable?: MarkerVariable; op: MarkerOperator },
): string {
  const { variable, op } = context;
  if (variable === "extra" || (variable !== undefined && isSetVariable(variable))) {
    return normalizeName(value);
  }
  if (variable === undefined || !VERSION_VARIABLES.has(variable)) return value;
  if (op === "in" || op === "not in" || op === "===") return value;
  const wildcard = value.trim().endsWith(".*");
  const parsed = parseVersion(wildcard ? value.trim().slice(0, -2) : value);
  if (parsed === undefined) return value;
  return formatVersion(parsed) + (wildcard ? ".*" : "");
}

function comparisonToString(c: MarkerComparison): string {
  let { left, op, right } = c;
  // A variable goes on the left where the operator can be turned around.
  if (left.kind === "literal" && right.kind === "variable" && FLIPPED[op] !== undefined) {
    [left, right, op] = [right, left, FLIPPED[op]!];
  }
  const variable = variableOf(c);
  const side = (o: MarkerOperand) =>
    o.kind === "variable" ? o.name : quote(
      canonicalLiteral(o.value, { variable, op }),
    );
  return `${side(left)} ${op} ${side(right)}`;
}

// Nested junctions of the same kind are one junction: `a and (b and c)` is `a and b and c`.
function flatten(marker: MarkerJunction): Marker[] {
  return marker.items.flatMap((m) => m.kind === marker.kind ? flatten(m) : [m]);
}

/**
 * A canonical text of a marker, for comparing markers written differently:
 * single quotes (double only around a value holding `'`), single spaces,
 * the variable on the left where the operator allows (`'win32' ==
 * sys_platform` is `sys_platform == 'win32'`), normalised versions of
 * version variables and names of extras, and parentheses only where `or`
 * sits inside `and`.
 */
export function markerToString(marker: Marker): string {
  if (marker.kind === "compare") return comparisonToString(marker);
  const items = flatten(marker).map((m) =>
    marker.kind === "and" && m.kind === "or" ? `(${markerToString(m)})` : markerToString(m)
  );
  return items.join(` ${marker.kind} `);
}

const NAME = /^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?/;

function parseExtras(text: string, requirement: string): { extras: string[]; rest: string } {
  if (!text.startsWith("[")) return { extras: [], rest: text };
  const end = text.indexOf("]");
  if (end < 0) throw new RequirementError(`requirement "${requirement}": "[" of extras has no "]"`);
  const extras = new Set<string>();
  const inner = text.slice(1, end).trim();
  if (inner !== "") {
    for (const raw of inner.split(",")) {
      const extra = raw.trim();
      if (!NAME.test(extra) || NAME.exec(extra)![0] !== extra) {
        throw new RequirementError(
          `requirement "${requirement}": "${extra}" is not an extra name (letters, digits, -_.)`,
        );
      }
      extras.add(normalizeName(extra));
    }
  }
  return { extras: [...extras].sort(), rest: text.slice(end + 1).trimStart() };
}

function parseMarkerPart(text: string, requirement: string): Marker | undefined {
  if (text.trim() === "") return undefined;
  if (!text.startsWith(";")) {
    throw new RequirementError(
      `requirement "${requirement}": unexpected "${text.trim()}" (a marker starts with ";")`,
    );
  }
  try {
    return parseMarker(text.slice(1));
  } catch (error) {
    if (error instanceof MarkerError) {
      throw new RequirementError(`requirement "${requirement}": ${error.message}`);
    }
    throw error;
  }
}

function specifierPart(text: string, requirement: string): { specifier: string; rest: string } {
  let versions: string;
  let rest: string;
  if (text.startsWith("(")) {
    const end = text.indexOf(")");
    if (end < 0) throw new RequirementError(`requirement "${requirement}": "(" has no ")"`);
    versions = text.slice(1, end);
    rest = text.slice(end + 1).trimStart();
  } else {
    const end = text.indexOf(";");
    versions = end < 0 ? text : text.slice(0, end);
    rest = end < 0 ? "" : text.slice(end);
  }
  try {
    return { specifier: normalizeSpecifiers(versions), rest };
  } catch (error) {
    if (error instanceof SpecifierError) {
      throw new RequirementError(`requirement "${requirement}": ${error.message}`);
    }
    throw error;
  }
}

/**
 * Parse a PEP 508 requirement: `name[extra1,extra2] (>=1,<2) ; marker`
 * (parentheses optional), or `name[extras] @ url ; marker` (the URL must be
 * followed by a space before `;`).
 * @throws RequirementError naming the requirement and what is wrong
 */
export function parseRequirement(text: string): Requirement {
  const trimmed = text.trim();
  const nameMatch = NAME.exec(trimmed);
  if (nameMatch === null) {
    throw new RequirementError(
      `requirement "${trimmed}": expected a project name (letters, digits, -_.) at the start`,
    );
  }
  const name = nameMatch[0];
  const { extras, rest: afterExtras } = parseExtras(
    trimmed.slice(name.length).trimStart(),
    trimmed,
  );
  const requirement: Requirement = {
    name,
    normalizedName: normalizeName(name),
    extras,
    specifier: "",
  };
  let rest = afterExtras;
  if (rest.startsWith("@")) {
    const urlMatch = /^@\s*(\S+)/.exec(rest);
    if (urlMatch === null) throw new RequirementError(`requirement "${trimmed}": "@" needs a URL`);
    requirement.url = urlMatch[1];
    if (!/^[A-Za-z][A-Za-z0-9+.-]*:/.test(requirement.url)) {
      throw new RequirementError(
        `requirement "${trimmed}": "${requirement.url}" after "@" is not a URL (https://..., file://...)`,
      );
    }
    rest = rest.slice(urlMatch[0].length).trimStart();
  } else if (rest !== "" && !rest.startsWith(";")) {
    ({ specifier: requirement.specifier, rest } = specifierPart(rest, trimmed));
  }
  const marker = parseMarkerPart(rest, trimmed);
  if (marker !== undefined) requirement.marker = marker;
  return requirement;
}
