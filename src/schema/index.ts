/** The schema language: lexer, error-tolerant parser, compiler to the typed model, printer, diff. */
export * from './model.js';
