/** Vite's `?url` imports (the benchmark worker is type-checked with tsconfig.node.json, which has no vite/client). */
declare module '*?url' {
  const url: string;
  export default url;
}
