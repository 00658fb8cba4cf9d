// Builds the web client (web/) into public/, which Workers Static Assets serves: one
// minified ES module and one stylesheet with content-hashed names, and index.html pointing
// at them. Fails when the gzipped JavaScript is over the budget (150 KB) and prints the size.
// `npm start`, `npm run dev` and `npm run web:build` run it; `--watch` rebuilds on change.
// Files are built in a scratch directory and renamed into public/, and only then are older
// builds removed: a server reading public/ (another `npm start` in the same tree) never
// sees a missing file.
import { mkdir, mkdtemp, readdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { gzipSync } from "node:zlib";
import * as esbuild from "esbuild";
import { staticHeadersFile } from "../../src/lib/security-headers.ts";
import { root } from "../lib/paths.ts";

/** The most gzipped JavaScript the app may ship (the budget). */
export const JS_BUDGET_BYTES = 150 * 1024;

const WEB = path.join(root, "web");
const PUBLIC = path.join(root, "public");
/** What the build writes into public/ (anything else there is left alone). */
const GENERATED = /^(app-[A-Z0-9]+\.(js|css)(\.map)?|index\.html|_headers)$/;

export interface WebBuild {
  js: string;
  css: string;
  jsBytes: number;
  jsGzipBytes: number;
  cssGzipBytes: number;
}

const options: esbuild.BuildOptions = {
  entryPoints: { app: path.join(WEB, "app/main.tsx") },
  bundle: true,
  format: "esm",
  platform: "browser",
  target: ["es2022", "chrome110", "firefox115", "safari16"],
  jsx: "automatic",
  jsxImportSource: "preact",
  minify: true,
  sourcemap: "linked",
  entryNames: "[name]-[hash]",
  metafile: true,
  write: true,
  legalComments: "none",
  logLevel: "silent",
};

/** A fresh scratch directory for one build's output. */
async function scratchDir(): Promise<string> {
  const parent = path.join(root, ".wrangler", "web-build");
  await mkdir(parent, { recursive: true });
  return mkdtemp(path.join(parent, "out-"));
}

/**
 * Moves a build from `outdir` into public/ (index.html last, pointing at the hashed names),
 * then removes files of older builds; measures the gzipped sizes.
 */
async function publish(outdir: string, result: esbuild.BuildResult): Promise<WebBuild> {
  const outputs = Object.keys(result.metafile?.outputs ?? {}).map((f) => path.basename(f));
  const js = outputs.find((f) => f.endsWith(".js"));
  const css = outputs.find((f) => f.endsWith(".css"));
  if (!js || !css) throw new Error(`the web build made no app .js/.css (got: ${outputs.join(", ")})`);
  const jsText = await readFile(path.join(outdir, js));
  const jsGzipBytes = gzipSync(jsText, { level: 9 }).byteLength;
  const cssGzipBytes = gzipSync(await readFile(path.join(outdir, css)), { level: 9 }).byteLength;
  const html = (await readFile(path.join(WEB, "index.html"), "utf8"))
    .replaceAll("/app.js", `/${js}`)
    .replaceAll("/app.css", `/${css}`);
  await writeFile(path.join(outdir, "index.html"), html);
  // The security headers Workers Static Assets (and npm start's Miniflare) put on every asset.
  await writeFile(path.join(outdir, "_headers"), staticHeadersFile());
  await mkdir(PUBLIC, { recursive: true });
  for (const name of [...outputs, "_headers", "index.html"]) {
    await rename(path.join(outdir, name), path.join(PUBLIC, name));
  }
  const current = new Set([...outputs, "_headers", "index.html"]);
  for (const name of await readdir(PUBLIC)) {
    if (GENERATED.test(name) && !current.has(name)) await rm(path.join(PUBLIC, name), { force: true });
  }
  return { js, css, jsBytes: jsText.byteLength, jsGzipBytes, cssGzipBytes };
}

function report(build: WebBuild): string {
  const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;
  return `web client: ${build.js} ${kb(build.jsBytes)} (${kb(build.jsGzipBytes)} gzipped, budget ${kb(JS_BUDGET_BYTES)}), ${build.css} ${kb(build.cssGzipBytes)} gzipped`;
}

/** Builds public/ once; throws when the build fails or the JavaScript is over budget. */
export async function buildWeb(log: (line: string) => void = console.log): Promise<WebBuild> {
  const outdir = await scratchDir();
  let build: WebBuild;
  try {
    build = await publish(outdir, await esbuild.build({ ...options, outdir }));
  } finally {
    await rm(outdir, { recursive: true, force: true });
  }
  log(report(build));
  if (build.jsGzipBytes > JS_BUDGET_BYTES) {
    throw new Error(
      `the web client's JavaScript is ${build.jsGzipBytes} bytes gzipped, over the ${JS_BUDGET_BYTES}-byte budget`,
    );
  }
  return build;
}

/** Rebuilds on every change under web/ (for `npm run dev`); resolves once the first build is done. */
export async function watchWeb(log: (line: string) => void = console.log): Promise<esbuild.BuildContext> {
  const outdir = await scratchDir();
  const ctx = await esbuild.context({
    ...options,
    outdir,
    logLevel: "warning",
    plugins: [
      {
        name: "plaza-publish",
        setup(b) {
          b.onEnd(async (result) => {
            if (result.errors.length > 0) return log(`web client: build failed (${result.errors.length} errors)`);
            log(report(await publish(outdir, result)));
          });
        },
      },
    ],
  });
  await ctx.watch();
  return ctx;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  try {
    if (process.argv.includes("--watch")) await watchWeb();
    else await buildWeb();
  } catch (err) {
    console.error(err instanceof Error ? err.message : String(err));
    process.exit(1);
  }
}
