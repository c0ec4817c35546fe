// A small static file server for the built site: localhost only, clean URLs
// (`/scorecard` → `scorecard.html`), nothing fetched from outside.
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { extname, join, normalize, resolve, sep } from "node:path";

const MIME: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".csv": "text/csv; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".ico": "image/x-icon",
  ".woff2": "font/woff2",
  ".arrow": "application/vnd.apache.arrow.file",
  ".parquet": "application/octet-stream",
  ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
  ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
  ".txt": "text/plain; charset=utf-8",
};

export interface StaticServer {
  url: string;
  server: Server;
  close(): Promise<void>;
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

/** Resolve a request path to a file under `root`, or undefined (never outside `root`). */
export async function resolveRequest(root: string, urlPath: string): Promise<string | undefined> {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath.split("?")[0]!.split("#")[0]!);
  } catch {
    return undefined;
  }
  const base = resolve(root);
  const target = normalize(join(base, decoded));
  if (target !== base && !target.startsWith(base + sep)) return undefined;
  const candidates = decoded.endsWith("/")
    ? [join(target, "index.html")]
    : [target, `${target}.html`, join(target, "index.html")];
  for (const candidate of candidates) if (await isFile(candidate)) return candidate;
  return undefined;
}

/** Serve `root` on 127.0.0.1 (port 0 picks a free one). */
export async function serveStatic(root: string, port = 0): Promise<StaticServer> {
  const server = createServer(async (req, res) => {
    const file = await resolveRequest(root, req.url ?? "/");
    if (!file) {
      const notFound = await resolveRequest(root, "/404");
      res.writeHead(404, { "content-type": MIME[".html"]! });
      if (notFound) createReadStream(notFound).pipe(res);
      else res.end("404 未找到");
      return;
    }
    res.writeHead(200, {
      "content-type": MIME[extname(file).toLowerCase()] ?? "application/octet-stream",
      "cache-control": "no-cache",
    });
    createReadStream(file).pipe(res);
  });
  await new Promise<void>((ok, fail) => {
    server.once("error", fail);
    server.listen(port, "127.0.0.1", () => ok());
  });
  const { port: actual } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${actual}/`,
    server,
    close: () => new Promise<void>((ok) => server.close(() => ok())),
  };
}
