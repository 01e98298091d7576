/**
 * Emits new nodes and constants into a graph under fresh, collision-free names. The backward rules use it to
 * write the gradient graph with short calls like `b.op('Mul', [a, c])`.
 */
import {
  DataType,
  makeNode,
  makeTensor,
  type AttrValue,
  type DataTypeId,
  type NodeProto,
  type TensorProto,
} from './proto.js';

export class GraphBuilder {
  readonly nodes: NodeProto[] = [];
  readonly initializers: TensorProto[] = [];
  private readonly taken: Set<string>;
  private counter = 0;
  private readonly constCache = new Map<string, string>();

  /**
   * @param existingNames every tensor and node name already in the graph, so new names never collide
   * @param floatType element type of the graph's float tensors (FLOAT or DOUBLE), used by `scalar`/`floats`
   */
  constructor(
    existingNames: Iterable<string>,
    readonly floatType: DataTypeId = DataType.FLOAT,
    private readonly prefix = 'grad',
  ) {
    this.taken = new Set(existingNames);
  }

  fresh(hint: string): string {
    const clean = hint.replace(/[^A-Za-z0-9_.:/-]/g, '_').slice(0, 60);
    let name: string;
    do name = `${this.prefix}/${clean}_${this.counter++}`;
    while (this.taken.has(name));
    this.taken.add(name);
    return name;
  }

  reserve(name: string): void {
    this.taken.add(name);
  }

  /** Adds one node and returns its outputs (fresh names unless given). */
  ops(
    opType: string,
    inputs: string[],
    attrs: Record<string, AttrValue | undefined> = {},
    outputCount = 1,
    outputNames?: string[],
  ): string[] {
    const outputs = outputNames ?? Array.from({ length: outputCount }, () => this.fresh(opType));
    for (const o of outputs) this.taken.add(o);
    this.nodes.push(makeNode(opType, inputs, outputs, this.fresh(`${opType}_node`), attrs));
    return outputs;
  }

  op(
    opType: string,
    inputs: string[],
    attrs: Record<string, AttrValue | undefined> = {},
    outputName?: string,
  ): string {
    return this.ops(opType, inputs, attrs, 1, outputName ? [outputName] : undefined)[0];
  }

  /** An initializer; identical small constants are shared. */
  constant(hint: string, dataType: DataTypeId, shape: readonly number[], values: ArrayLike<number>): string {
    const small = values.length <= 16;
    const key = small ? `${dataType}|${shape.join(',')}|${Array.from(values).join(',')}` : '';
    if (small) {
      const hit = this.constCache.get(key);
      if (hit) return hit;
    }
    const name = this.fresh(hint);
    this.initializers.push(makeTensor(name, dataType, shape, values));
    if (small) this.constCache.set(key, name);
    return name;
  }

  int64s(values: readonly number[]): string {
    return this.constant('ints', DataType.INT64, [values.length], values);
  }

  /** A 0-d float constant in the graph's float type. */
  scalar(value: number): string {
    return this.constant('scalar', this.floatType, [], [value]);
  }

  floats(shape: readonly number[], values: ArrayLike<number>, hint = 'const'): string {
    return this.constant(hint, this.floatType, shape, values);
  }
}
