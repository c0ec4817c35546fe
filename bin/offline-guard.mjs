// Loaded with `node --import` into the site build: the build must not reach the
// network (intranets have none). Any fetch fails at once, naming the URL, so a
// regression shows on every machine, not only on one without a network.
const refuse = (input) => {
  const url = typeof input === "string" ? input : input?.url ?? String(input);
  return Promise.reject(
    new Error(`offline build: the site build tried to fetch ${url}; everything must come from node_modules (see bin/site.ts)`),
  );
};
globalThis.fetch = refuse;
