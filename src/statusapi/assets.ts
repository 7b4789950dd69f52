// The status page's files, read once at start-up and served from memory.
// Everything the page loads comes from here: no CDN, no build step.
import { readFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';

const TYPES: Record<string, string> = {
  html: 'text/html; charset=utf-8',
  css: 'text/css; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
};

export const PAGE_FILES = ['index.html', 'style.css', 'app.js', 'chart.js'] as const;

export interface Asset {
  body: Buffer;
  type: string;
}

/** Loads the page files from the page/ directory next to this module (copied into dist/ by `make build`). */
export function loadAssets(dir = new URL('./page/', import.meta.url)): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  for (const file of PAGE_FILES) {
    const ext = file.slice(file.lastIndexOf('.') + 1);
    assets.set(file, {
      body: readFileSync(new URL(file, dir)),
      type: TYPES[ext] ?? 'application/octet-stream',
    });
  }
  return assets;
}

export function sendAsset(res: ServerResponse, asset: Asset): void {
  res.writeHead(200, {
    'Content-Type': asset.type,
    'Content-Length': asset.body.length,
    'Cache-Control': 'no-cache',
    'X-Content-Type-Options': 'nosniff',
    // The page loads only its own scripts and styles and talks only to this server.
    'Content-Security-Policy': "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'",
  });
  res.end(asset.body);
}
