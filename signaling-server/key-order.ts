import { hashKey } from '../shared/ring/id';
import type { Random } from '../shared/ring/types';

/**
 * Bits of the key the server orders peers by. Truncating keeps the order of any ring with M <= 64 (the default
 * is 64), and a longer ring's order up to ties, which only widen the neighbourhood by a peer.
 */
const ORDER_BITS = 64;

interface Node {
  key: bigint;
  id: string;
  /** Heap priority, drawn at random so a peer choosing its id cannot choose the tree's shape. */
  priority: number;
  left: Node | undefined;
  right: Node | undefined;
}

/** Orders by ring key, then by id, so two ids whose keys collide are still two entries. */
function compare(key: bigint, id: string, node: Node): number {
  if (key !== node.key) return key < node.key ? -1 : 1;
  return id < node.id ? -1 : id > node.id ? 1 : 0;
}

/**
 * The registered peers in ring order (a treap: insert, remove and each neighbour step cost O(log N) expected),
 * so a departure can be told to the peers around it on the ring instead of to everyone.
 */
export class KeyOrder {
  private root: Node | undefined;
  private readonly keys = new Map<string, bigint>();

  constructor(private readonly random: Random = Math.random) {}

  get size(): number {
    return this.keys.size;
  }

  add(id: string): void {
    if (this.keys.has(id)) return;
    const key = hashKey(id, ORDER_BITS);
    this.keys.set(id, key);
    this.root = insert(this.root, { key, id, priority: this.random(), left: undefined, right: undefined });
  }

  remove(id: string): void {
    const key = this.keys.get(id);
    if (key === undefined) return;
    this.keys.delete(id);
    this.root = remove(this.root, key, id);
  }

  /**
   * Up to `each` peers before `id` and `each` after it in ring order, wrapping around, without `id` itself and
   * without repeats (a small ring has fewer distinct neighbours). Empty when `id` is not registered.
   */
  around(id: string, each: number): string[] {
    const key = this.keys.get(id);
    if (key === undefined) return [];
    const found = new Set<string>();
    this.walk(key, id, each, (k, i) => this.before(k, i) ?? this.last(), found);
    this.walk(key, id, each, (k, i) => this.after(k, i) ?? this.first(), found);
    return [...found];
  }

  private walk(key: bigint, id: string, steps: number, step: (key: bigint, id: string) => Node | undefined, found: Set<string>): void {
    let at = { key, id };
    for (let i = 0; i < steps; i++) {
      const next = step(at.key, at.id);
      if (next === undefined || next.id === id) return;
      found.add(next.id);
      at = next;
    }
  }

  /** The greatest entry below (key, id). */
  private before(key: bigint, id: string): Node | undefined {
    let best: Node | undefined;
    for (let node = this.root; node !== undefined; ) {
      if (compare(key, id, node) > 0) {
        best = node;
        node = node.right;
      } else node = node.left;
    }
    return best;
  }

  /** The least entry above (key, id). */
  private after(key: bigint, id: string): Node | undefined {
    let best: Node | undefined;
    for (let node = this.root; node !== undefined; ) {
      if (compare(key, id, node) < 0) {
        best = node;
        node = node.left;
      } else node = node.right;
    }
    return best;
  }

  private first(): Node | undefined {
    let node = this.root;
    while (node?.left !== undefined) node = node.left;
    return node;
  }

  private last(): Node | undefined {
    let node = this.root;
    while (node?.right !== undefined) node = node.right;
    return node;
  }
}

function insert(node: Node | undefined, fresh: Node): Node {
  if (node === undefined) return fresh;
  if (compare(fresh.key, fresh.id, node) < 0) {
    node.left = insert(node.left, fresh);
    return node.left.priority > node.priority ? rotateRight(node) : node;
  }
  node.right = insert(node.right, fresh);
  return node.right.priority > node.priority ? rotateLeft(node) : node;
}

function remove(node: Node | undefined, key: bigint, id: string): Node | undefined {
  if (node === undefined) return undefined;
  const order = compare(key, id, node);
  if (order < 0) node.left = remove(node.left, key, id);
  else if (order > 0) node.right = remove(node.right, key, id);
  else return merge(node.left, node.right);
  return node;
}

/** Joins two treaps whose every key in `left` is below every key in `right`. */
function merge(left: Node | undefined, right: Node | undefined): Node | undefined {
  if (left === undefined) return right;
  if (right === undefined) return left;
  if (left.priority > right.priority) {
    left.right = merge(left.right, right);
    return left;
  }
  right.left = merge(left, right.left);
  return right;
}

function rotateRight(node: Node): Node {
  const top = node.left as Node;
  node.left = top.right;
  top.right = node;
  return top;
}

function rotateLeft(node: Node): Node {
  const top = node.right as Node;
  node.right = top.left;
  top.left = node;
  return top;
}
