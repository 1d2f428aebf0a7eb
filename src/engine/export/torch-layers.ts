/**
 * PyTorch layers and network pieces as Python source fragments, written once and instantiated by two generators:
 * the per-genotype exporter (pytorch.ts: one unrolled `Net`, numbers for every size, flat layer names) and the
 * genotype-parameterised Ray Tune job (ray-tune*.ts: `nn.Module` classes whose sizes are Python variables).
 *
 * A piece (TorchPiece) is an ordered list of layers — the order the engine's builder creates its variables, so the
 * i-th weighted layer of a piece owns the piece's i-th engine variables — plus its forward pass as a Python
 * expression built from each layer's callable (`ref(name)`), the input expression and a scope that binds
 * temporaries. Sizes are `Py`: a number (the exporter) or a Python expression (the Tune job's classes).
 * Engine conventions (ops/layers.ts): convolutions without bias, symmetric zero padding ((k-1)*dilation)/2;
 * batch norm eps 1e-5, momentum 0.1; linear layers with bias.
 * Pure engine code: strings only.
 */

/** A Python expression or a number. */
export type Py = string | number;

export type TorchLayer =
  | { readonly kind: 'conv'; readonly name: string; readonly cIn: Py; readonly cOut: Py; readonly k: Py; readonly stride: Py; readonly dilation: Py }
  | { readonly kind: 'depthwise'; readonly name: string; readonly c: Py; readonly k: Py; readonly stride: Py; readonly dilation: Py }
  | { readonly kind: 'bn'; readonly name: string; readonly c: Py }
  | { readonly kind: 'linear'; readonly name: string; readonly inF: Py; readonly outF: Py };

/** Where a forward pass binds temporaries: `let(expr)` assigns expr to a fresh variable and returns its name. */
export interface PyScope {
  let(expr: string): string;
}

export interface TorchPiece {
  /** Layers in the engine builder's creation order. */
  readonly layers: readonly TorchLayer[];
  /** The piece applied to `x`; `ref(name)` is the callable of the piece's layer `name`. */
  forward(ref: (name: string) => string, x: string, scope: PyScope): string;
}

/** `nn.Conv2d` with the engine's conventions (no bias, padding ((k - 1) * dilation) / 2 computed by the caller). */
export function torchConv(cIn: Py, cOut: Py, k: Py, stride: Py, padding: Py, dilation: Py = 1, groups?: Py): string {
  return `nn.Conv2d(${cIn}, ${cOut}, ${k}, stride=${stride}, padding=${padding}, dilation=${dilation}${groups === undefined ? '' : `, groups=${groups}`}, bias=False)`;
}

/** `nn.BatchNorm2d` as the engine's batch norm. */
export function torchBn(c: Py, affine = true): string {
  return `nn.BatchNorm2d(${c}, eps=1e-05, momentum=0.1, affine=${affine ? 'True' : 'False'})`;
}

/** Symmetric padding of a k x k kernel with this dilation: a number, or the Python expression computing it. */
export function padOf(k: Py, dilation: Py): Py {
  if (typeof k === 'number' && typeof dilation === 'number') return ((k - 1) * dilation) >> 1;
  return dilation === 1 ? `(${k} - 1) // 2` : `(${k} - 1) * ${dilation} // 2`;
}

/** a * b: a number when both are numbers. */
export const pyMul = (a: Py, b: Py): Py => (typeof a === 'number' && typeof b === 'number' ? a * b : `${a} * ${b}`);

/** a / 2 (a is even): a number when a is one. */
export const pyHalf = (a: Py): Py => (typeof a === 'number' ? a / 2 : `${a} // 2`);

/** The PyTorch constructor of a layer. */
export function torchLayerCtor(l: TorchLayer): string {
  switch (l.kind) {
    case 'conv': return torchConv(l.cIn, l.cOut, l.k, l.stride, padOf(l.k, l.dilation), l.dilation);
    case 'depthwise': return torchConv(l.c, l.c, l.k, l.stride, padOf(l.k, l.dilation), l.dilation, l.c);
    case 'bn': return torchBn(l.c);
    case 'linear': return `nn.Linear(${l.inF}, ${l.outF}, bias=True)`;
  }
}

export const conv = (name: string, cIn: Py, cOut: Py, k: Py, stride: Py = 1, dilation: Py = 1): TorchLayer => ({ kind: 'conv', name, cIn, cOut, k, stride, dilation });
export const depthwise = (name: string, c: Py, k: Py, stride: Py = 1, dilation: Py = 1): TorchLayer => ({ kind: 'depthwise', name, c, k, stride, dilation });
export const bn = (name: string, c: Py): TorchLayer => ({ kind: 'bn', name, c });
export const linear = (name: string, inF: Py, outF: Py): TorchLayer => ({ kind: 'linear', name, inF, outF });

/** The name a piece's layer gets under a prefix (`stem` + `conv` = `stem_conv`; no prefix: the layer's own). */
export const layerName = (prefix: string, name: string): string => (prefix === '' ? name : `${prefix}_${name}`);

/** The classifier of DARTS and mobile networks: global average pool, then `classifier` (a linear layer). */
export const poolLinearHead = (cIn: Py, classes: Py): TorchPiece => ({
  layers: [linear('classifier', cIn, classes)],
  forward: (ref, x) => `${ref('classifier')}(${x}.mean(dim=(2, 3)))`,
});

// ---------------------------------------------------------------- Python source of nn.Module classes

/** A method body being written: lines at a fixed indent; temporaries t0, t1, ... */
export class PyBody implements PyScope {
  readonly lines: string[] = [];
  private tmp = 0;
  constructor(private readonly indent: string) {}

  line(code: string): void {
    this.lines.push(`${this.indent}${code}`);
  }

  let(expr: string): string {
    const name = `t${this.tmp++}`;
    this.line(`${name} = ${expr}`);
    return name;
  }

  /** `piece` applied to `x`, its layers being attributes `self.<prefix>_<name>`; returns the output expression. */
  apply(piece: TorchPiece, prefix: string, x: string): string {
    return piece.forward((n) => `self.${layerName(prefix, n)}`, x, this);
  }
}

/** `self.<prefix>_<name> = <constructor>` for each layer of `piece`, at `indent`. */
export function pyInitLines(piece: TorchPiece, prefix: string, indent: string): string[] {
  return piece.layers.map((l) => `${indent}self.${layerName(prefix, l.name)} = ${torchLayerCtor(l)}`);
}

/**
 * An `nn.Module` class holding one piece: `__init__(self, *args)` creates the piece's layers from the arguments
 * (kept as attributes for the forward pass), `forward(self, x)` applies it.
 */
export function pyPieceClass(className: string, args: readonly string[], make: (args: readonly string[]) => TorchPiece, doc: string): string {
  const init = make(args);
  const fwd = make(args.map((a) => `self.${a}`));
  const body = new PyBody('        ');
  const out = body.apply(fwd, '', 'x');
  return `class ${className}(nn.Module):
    """${doc}"""

    def __init__(self${args.map((a) => `, ${a}`).join('')}):
        super().__init__()
${[...args.map((a) => `        self.${a} = ${a}`), ...pyInitLines(init, '', '        ')].join('\n')}

    def forward(self, x):
${[...body.lines, `        return ${out}`].join('\n')}`;
}
