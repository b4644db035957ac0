// Shows and hides the fields of an application form whose `show_if` condition changes while the
// form is being filled in. The server renders every conditional field in a
// `<fieldset data-show-if>` (hidden and disabled when its rule is false) and stays the authority:
// this only evaluates the same JSON Logic rules earlier, with the same semantics as the server's
// Python json_logic (Python truthiness and equality, an error makes a condition false). A hidden
// field is disabled, so its answer counts as absent here and is not sent.

const isObject = (v) => v !== null && typeof v === "object" && !Array.isArray(v);

const truthy = (v) =>
  Array.isArray(v) ? v.length > 0 : isObject(v) ? Object.keys(v).length > 0 : Boolean(v);

// Python's str() of a JSON value, for `==` against strings and for `cat`.
const text = (v) =>
  v === null || v === undefined ? "None" : typeof v === "boolean" ? (v ? "True" : "False") : String(v);

function numeric(v) {
  if (typeof v === "number") return v;
  if (typeof v === "boolean") return v ? 1 : 0;
  if (typeof v === "string" && /^\s*[+-]?(\d+(\.\d*)?|\.\d+)\s*$/.test(v) && (v.includes(".") || !/e/i.test(v))) {
    return Number(v);
  }
  throw new TypeError(`not a number: ${v}`);
}

function same(a, b) {
  if (typeof a === "number" && typeof b === "number") return a === b;
  return JSON.stringify(a) === JSON.stringify(b);
}

// Python's == (used by `in`): numbers and booleans compare by value, everything else by content.
function pythonEqual(a, b) {
  const number = (v) => typeof v === "number" || typeof v === "boolean";
  return number(a) && number(b) ? Number(a) === Number(b) : same(a ?? null, b ?? null);
}

function looseEqual(a, b) {
  if (typeof a === "string" || typeof b === "string") return text(a) === text(b);
  if (typeof a === "boolean" || typeof b === "boolean") return truthy(a) === truthy(b);
  return same(a ?? null, b ?? null);
}

function strictEqual(a, b) {
  const kind = (v) => (v === null || v === undefined ? "null" : Array.isArray(v) ? "array" : typeof v);
  return kind(a) === kind(b) && same(a ?? null, b ?? null);
}

function less(a, b) {
  if (a === null || a === undefined || b === null || b === undefined) return false;
  if ((typeof a === "number") || (typeof b === "number")) {
    try { return numeric(a) < numeric(b); } catch { return false; }
  }
  if (typeof a !== typeof b) throw new TypeError("values cannot be compared");
  return a < b;
}

function variable(data, name, fallback = null) {
  if (name === null || name === undefined || name === "") return data;
  let value = data;
  for (const key of String(name).split(".")) {
    if (Array.isArray(value) || typeof value === "string") {
      if (!/^-?\d+$/.test(key)) return fallback;
      const index = Number(key) < 0 ? value.length + Number(key) : Number(key);
      if (index < 0 || index >= value.length) throw new RangeError("index out of range");
      value = value[index];
    } else if (isObject(value) && Object.hasOwn(value, key)) {
      value = value[key];
    } else {
      return fallback;
    }
  }
  return value;
}

function missing(data, names) {
  const list = Array.isArray(names[0]) ? names[0] : names;
  return list.filter((name) => [null, undefined, ""].includes(variable(data, name)));
}

const OPERATIONS = {
  "==": looseEqual,
  "!=": (a, b) => !looseEqual(a, b),
  "===": strictEqual,
  "!==": (a, b) => !strictEqual(a, b),
  "<": (a, b, c) => less(a, b) && (c === undefined || less(b, c)),
  "<=": (a, b, c) => (less(a, b) || looseEqual(a, b)) && (c === undefined || less(b, c) || looseEqual(b, c)),
  ">": (a, b) => less(b, a),
  ">=": (a, b) => less(b, a) || looseEqual(a, b),
  "!!": (a) => truthy(a),
  "!": (a) => !truthy(a),
  in: (a, b) => {
    if (typeof b === "string") {
      if (typeof a !== "string") throw new TypeError("'in <string>' needs a string");
      return b.includes(a);
    }
    return Array.isArray(b) ? b.some((item) => pythonEqual(item, a)) : isObject(b) ? Object.hasOwn(b, a) : false;
  },
  cat: (...args) => args.map(text).join(""),
  substr: (source, start, length) => {
    const rest = String(source).slice(start);
    return length === undefined || length === null ? rest : rest.slice(0, length);
  },
  "+": (...args) => args.reduce((sum, v) => sum + numeric(v), 0),
  "-": (a, b) => (b === undefined ? -numeric(a) : numeric(a) - numeric(b)),
  "*": (...args) => args.reduce((product, v) => product * numeric(v), 1),
  "/": (a, b) => {
    if (numeric(b) === 0) throw new RangeError("division by zero");
    return numeric(a) / numeric(b);
  },
  "%": (a, b) => {
    if (numeric(b) === 0) throw new RangeError("division by zero");
    return ((numeric(a) % numeric(b)) + numeric(b)) % numeric(b);
  },
  min: (...args) => (args.length ? Math.min(...args.map(numeric)) : null),
  max: (...args) => (args.length ? Math.max(...args.map(numeric)) : null),
  merge: (...args) => args.flatMap((v) => (Array.isArray(v) ? v : [v])),
};

function scoped(operator, args, data) {
  const items = apply(args[0], data);
  const logic = args[1];
  if (operator === "reduce") {
    const initial = args.length > 2 ? apply(args[2], data) : null;
    if (!Array.isArray(items)) return initial;
    return items.reduce((accumulator, current) => apply(logic, { accumulator, current }), initial);
  }
  if (!Array.isArray(items)) return operator === "none" ? true : operator === "all" ? false : [];
  if (operator === "map") return items.map((item) => apply(logic, item));
  const kept = items.filter((item) => truthy(apply(logic, item)));
  if (operator === "filter") return kept;
  if (operator === "some") return kept.length > 0;
  if (operator === "none") return kept.length === 0;
  return items.length > 0 && kept.length === items.length; // all
}

/** Evaluates a JSON Logic rule over `data`; throws where the server's evaluation fails. */
export function apply(rule, data) {
  if (Array.isArray(rule)) return rule.map((item) => apply(item, data));
  if (!isObject(rule)) return rule;
  const [operator] = Object.keys(rule);
  const raw = rule[operator];
  const args = Array.isArray(raw) ? raw : [raw];
  if (operator === "if" || operator === "?:") {
    for (let i = 0; i + 1 < args.length; i += 2) {
      if (truthy(apply(args[i], data))) return apply(args[i + 1], data);
    }
    return args.length % 2 ? apply(args[args.length - 1], data) : null;
  }
  if (operator === "and" || operator === "or") {
    let current = false;
    for (const arg of args) {
      current = apply(arg, data);
      if (truthy(current) === (operator === "or")) return current;
    }
    return current;
  }
  if (["some", "all", "none", "map", "filter", "reduce"].includes(operator)) return scoped(operator, args, data);
  const values = args.map((arg) => apply(arg, data));
  if (operator === "var") return variable(data, ...values);
  if (operator === "missing") return missing(data, values);
  if (operator === "missing_some") {
    const absent = missing(data, [values[1]]);
    return values[1].length - absent.length >= values[0] ? [] : absent;
  }
  if (!Object.hasOwn(OPERATIONS, operator)) throw new Error(`unknown operator ${operator}`);
  return OPERATIONS[operator](...values);
}

/** Whether a condition holds; a rule that cannot be evaluated does not hold (as on the server). */
export function holds(rule, data) {
  try {
    return truthy(apply(rule, data));
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------- answers as the server parses them

const GERMAN_DATE = /^(\d{1,2})\.(\d{1,2})\.(\d{4})$/;

function parseDate(raw) {
  const german = GERMAN_DATE.exec(raw);
  const [year, month, day] = german ? [german[3], german[2], german[1]].map(Number)
    : /^\d{4}-\d{2}-\d{2}$/.test(raw) ? raw.split("-").map(Number) : [0, 0, 0];
  const date = new Date(Date.UTC(year, month - 1, day));
  if (!year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return raw;
  return `${String(year).padStart(4, "0")}-${String(month).padStart(2, "0")}-${String(day).padStart(2, "0")}`;
}

function parseNumber(raw) {
  const compact = raw.replaceAll(" ", "");
  if (!/^-?\d+(?:[.,]\d+)?$/.test(compact)) return raw;
  return Number(compact.replace(",", "."));
}

function parseMoney(raw) {
  const match = /^(\d{1,3}(?:\.\d{3})+|\d+)(?:,(\d{1,2}))?$/.exec(raw.replace(/[€\s\u00a0]/g, ""));
  return match ? Number(match[1].replaceAll(".", "")) * 100 + Number((match[2] || "0").padEnd(2, "0")) : raw;
}

// Conversions of typed text into the answer the server's field type would parse from it. An input
// names its conversion in `data-answer` (rendered from the field type's `client_parse`); an option
// whose answer is no text carries that answer as JSON in `data-value`.
const CONVERT = {
  date: parseDate,
  decimal: parseNumber,
  cents: parseMoney,
  upper: (raw) => raw.toUpperCase().split(/\s+/).join(" "),
};

/** The answers of the enabled inputs of `form`, typed like the server's field types parse them. */
function answersOf(form) {
  const answers = {};
  const parts = new Set();
  for (const input of form.elements) {
    const name = input.name;
    if (!name || input.disabled || !("value" in input) || ["file", "hidden", "submit"].includes(input.type)) continue;
    const path = name.split(".");
    const key = path.pop();
    const target = containerOf(answers, path);
    if (target === null) continue;
    if (input.dataset.answer === "part") {
      // A part of an answer made of parts (an address): kept even when empty, like on the server.
      target[key] = input.value.trim();
      parts.add(target);
    } else {
      collect(target, key, input);
    }
  }
  dropEmptyParts(answers, parts);
  return answers;
}

// The object an input's answer goes into: `hunde.0.name` → answers.hunde[0]; a number in a path is an
// item of a repeatable group. None for a name that does not end in a key.
function containerOf(answers, path) {
  let target = answers;
  path.forEach((key, index) => {
    target[key] ??= /^\d+$/.test(path[index + 1] ?? "") ? [] : {};
    target = target[key];
  });
  return isObject(target) ? target : null;
}

function dropEmptyParts(value, parts) {
  if (!isObject(value) && !Array.isArray(value)) return;
  for (const [key, child] of Object.entries(value)) {
    if (parts.has(child) && !Object.values(child).some(Boolean)) delete value[key];
    else dropEmptyParts(child, parts);
  }
  // Items without any answer are holes in the list; the server sees them as empty items.
  if (Array.isArray(value)) for (let index = 0; index < value.length; index += 1) value[index] ??= {};
}

function collect(target, key, input) {
  if (input.type === "checkbox") {
    if (input.checked) (target[key] ??= []).push(input.value);
    return;
  }
  if (input.type === "radio" && !input.checked) return;
  const raw = input.value.trim();
  if (!raw) return;
  const convert = CONVERT[input.dataset.answer];
  target[key] = input.dataset.value !== undefined ? JSON.parse(input.dataset.value) : convert ? convert(raw) : raw;
}

function update(form, context) {
  const wrappers = [...form.querySelectorAll("[data-show-if]")];
  // A field hidden now may hide further fields: repeat until nothing changes (as the server does).
  for (let round = 0; round <= wrappers.length; round += 1) {
    const answers = { ...context.answers, ...answersOf(form) };
    let changed = false;
    for (const wrapper of wrappers) {
      const scope = wrapper.dataset.scope;
      const data = scope ? { ...answers, ...(variable(answers, scope) ?? {}) } : answers;
      const show = holds(JSON.parse(wrapper.dataset.showIf), data);
      if (show === wrapper.hidden) {
        wrapper.hidden = !show;
        wrapper.disabled = !show;
        changed = true;
      }
    }
    if (!changed) return;
  }
}

for (const form of document.querySelectorAll("form[data-conditions]")) {
  const context = JSON.parse(form.dataset.conditions);
  form.addEventListener("input", () => update(form, context));
  form.addEventListener("change", () => update(form, context));
  update(form, context);
}
