import {
  GraphQLError,
  Kind,
  type ASTVisitor,
  type FragmentDefinitionNode,
  type SelectionSetNode,
  type ValidationContext,
  type ValidationRule,
} from 'graphql';
import { ErrorCode } from '@chirpchat/kit';

export interface OperationLimits {
  /** Deepest selection nesting an operation may have. @default 12 */
  maxDepth?: number;
  /** Aliased fields an operation may have in all. @default 30 */
  maxAliases?: number;
}

/**
 * Validation rules that refuse operations too deep or with too many aliases before anything
 * is planned or fetched: cheap protection against queries built to be expensive.
 */
export function operationLimitRules(limits: OperationLimits = {}): ValidationRule[] {
  const maxDepth = limits.maxDepth ?? 12;
  const maxAliases = limits.maxAliases ?? 30;
  return [(context) => depthAndAliasRule(context, maxDepth, maxAliases)];
}

function depthAndAliasRule(context: ValidationContext, maxDepth: number, maxAliases: number): ASTVisitor {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of context.getDocument().definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }
  const measure = (selectionSet: SelectionSetNode, visited: Set<string>): { depth: number; aliases: number } => {
    let depth = 0;
    let aliases = 0;
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD) {
        if (selection.alias) aliases++;
        const inner = selection.selectionSet ? measure(selection.selectionSet, visited) : { depth: 0, aliases: 0 };
        depth = Math.max(depth, 1 + inner.depth);
        aliases += inner.aliases;
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        const inner = measure(selection.selectionSet, visited);
        depth = Math.max(depth, inner.depth);
        aliases += inner.aliases;
      } else {
        const name = selection.name.value;
        const fragment = fragments.get(name);
        if (!fragment || visited.has(name)) continue; // unknown or cyclic: other rules report it
        const inner = measure(fragment.selectionSet, new Set(visited).add(name));
        depth = Math.max(depth, inner.depth);
        aliases += inner.aliases;
      }
    }
    return { depth, aliases };
  };
  return {
    OperationDefinition(operation) {
      const { depth, aliases } = measure(operation.selectionSet, new Set());
      if (depth > maxDepth) {
        context.reportError(
          new GraphQLError(`This operation is ${depth} levels deep; the limit is ${maxDepth}.`, {
            nodes: [operation],
            extensions: { code: ErrorCode.GRAPHQL_VALIDATION_FAILED },
          }),
        );
      }
      if (aliases > maxAliases) {
        context.reportError(
          new GraphQLError(`This operation uses ${aliases} aliases; the limit is ${maxAliases}.`, {
            nodes: [operation],
            extensions: { code: ErrorCode.GRAPHQL_VALIDATION_FAILED },
          }),
        );
      }
    },
  };
}
