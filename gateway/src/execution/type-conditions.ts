import { type GraphQLSchema, isAbstractType, isInterfaceType, isObjectType } from 'graphql';
import type { ResultObject } from './result-data';

/**
 * "Is this object of that type?" over the supergraph schema (the stock gateway's
 * `isObjectOfType`), each (type name, condition) pair worked out once per supergraph.
 */
export class TypeConditions {
  private readonly answers = new Map<string, boolean>();

  constructor(private readonly schema: GraphQLSchema) {}

  isObjectOfType(object: ResultObject, condition: string, whenUnknown = false): boolean {
    const typename = object.__typename;
    if (!typename || typeof typename !== 'string') return whenUnknown;
    if (typename === condition) return true;
    const key = `${typename}\u0000${condition}`;
    let answer = this.answers.get(key);
    if (answer === undefined) {
      answer = this.compute(typename, condition);
      this.answers.set(key, answer);
    }
    return answer;
  }

  private compute(typename: string, condition: string): boolean {
    const type = this.schema.getType(typename);
    const conditionType = this.schema.getType(condition);
    if (!type || !conditionType || !isAbstractType(conditionType)) return false;
    return (isObjectType(type) || isInterfaceType(type)) && this.schema.isSubType(conditionType, type);
  }
}
