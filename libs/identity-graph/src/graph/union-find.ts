/** Disjoint sets over string keys, with path halving and union by size. */
export class UnionFind {
  private readonly parent = new Map<string, string>();
  private readonly size = new Map<string, number>();

  find(key: string): string {
    let current = key;
    if (!this.parent.has(current)) {
      this.parent.set(current, current);
      this.size.set(current, 1);
      return current;
    }
    for (;;) {
      const parent = this.parent.get(current)!;
      if (parent === current) return current;
      const grandparent = this.parent.get(parent)!;
      this.parent.set(current, grandparent);
      current = grandparent;
    }
  }

  /** Joins the sets of a and b; returns the new root and the root that was merged into it. */
  union(a: string, b: string): { root: string; merged: string } | undefined {
    let ra = this.find(a);
    let rb = this.find(b);
    if (ra === rb) return undefined;
    if (this.size.get(ra)! < this.size.get(rb)!) [ra, rb] = [rb, ra];
    this.parent.set(rb, ra);
    this.size.set(ra, this.size.get(ra)! + this.size.get(rb)!);
    return { root: ra, merged: rb };
  }
}
