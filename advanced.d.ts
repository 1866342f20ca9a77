// Types of `embedlab/advanced` (see advanced.js).
export * from './dist/src/advanced';
