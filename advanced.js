// `embedlab/advanced`: the lower-level API (see src/advanced.ts). A file at the
// package root so that both Node and TypeScript's Node10 resolution (tslab)
// find it without package.json "exports".
module.exports = require('./dist/src/advanced.js');
