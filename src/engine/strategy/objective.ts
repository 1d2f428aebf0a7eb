/** The objective (spec, schema, computeObjective) is plain data and pure math: it lives in the shared layer. */
export * from '../../shared/objective';
