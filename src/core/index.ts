/** Core domain values shared by every layer: relationships and their text form, filters, revisions, errors. */
export * from './types.js';
export * from './filters.js';
export * from './errors.js';
export * from './names.js';
export * from './relationship-text.js';
export * from './revision.js';
