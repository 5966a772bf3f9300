#!/usr/bin/env python3
"""torchaudio models made JIT-only (random weights, torch.jit.script, or trace
where script fails), exported with t2n-export and run in tract (in a child
process: tract aborts on some bad graphs) against torch.

  torchaudio_models.py T2N_EXPORT WORKDIR [--ops-doc docs/nnef-ops.md] [MODEL...]

Prints, per model, `NAME: exported, max abs diff D ok` (or `ABOVE`, or
`NAME: not exported: <first error line>`), then a summary line
`N ok, P pending, R refused, F failed` (EXPECTED lists the models whose
export must stop at a given error: refused, or pending on other work). With --ops-doc, a model whose export stops at
`no NNEF lowering for 'OP'` for an OP that the table (docs/nnef-ops.md,
generated from it) does not list is pending, not failed: it waits for that
lowering. Exits 1 when any model failed. The tolerance is 1e-4, relative above magnitude 1
(|tract - torch| <= 1e-4 * max(1, |torch|)), as --check-io uses.
"""
import os
import re
import subprocess
import sys
import warnings

import numpy as np
import torch
import torchaudio
from torch import nn

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "utils"))
import t2n_testlib as tl  # noqa: E402

warnings.filterwarnings("ignore")
TOL = 1e-4


class SpectrogramConv(nn.Module):
    """A front end with its own stft (torchaudio.transforms.Spectrogram) and a conv head."""

    def __init__(self):
        super().__init__()
        self.spec = torchaudio.transforms.Spectrogram(n_fft=64, hop_length=16)
        self.conv = nn.Conv1d(33, 8, 3, padding=1)

    def forward(self, x):
        return torch.relu(self.conv(self.spec(x)))


class MelLSTM(nn.Module):
    """MelSpectrogram (stft, power, mel filterbank matmul) and an LSTM head."""

    def __init__(self):
        super().__init__()
        self.mel = torchaudio.transforms.MelSpectrogram(sample_rate=8000, n_fft=128, hop_length=32, n_mels=20)
        self.lstm = nn.LSTM(20, 16, batch_first=True)
        self.out = nn.Linear(16, 4)

    def forward(self, x):
        m = torch.log(self.mel(x) + 1e-6).transpose(1, 2)
        y, _ = self.lstm(m)
        return self.out(y)


class MFCCConv(nn.Module):
    """MFCC (mel spectrogram, amplitude_to_DB, DCT matmul) and a conv head."""

    def __init__(self):
        super().__init__()
        self.mfcc = torchaudio.transforms.MFCC(sample_rate=8000, n_mfcc=13,
                                               melkwargs={"n_fft": 128, "hop_length": 32, "n_mels": 20})
        self.conv = nn.Conv1d(13, 6, 3)

    def forward(self, x):
        return self.conv(self.mfcc(x))


# Models whose export is known to stop, with the error it must stop at (a
# substring of the first error line): "refused" is the right answer (a loop
# NNEF cannot express), "pending" waits for work elsewhere in t2n. Any other
# outcome, including a success, is reported as a failure so the table is kept
# up to date.
EXPECTED = {
    "tacotron2": ("refused", "prim::Loop cannot be exported: a while loop"),
    "emformer": ("pending", "aten::zeros gives an empty tensor; tract cannot hold one",
                 "its loops unroll in the export; the attention mask of a segment with no memory columns "
                 "is built from a 0-sized zeros, which tract cannot hold"),
}


def models():
    M = torchaudio.models
    return {
        "wav2letter": (lambda: M.Wav2Letter(num_classes=10, input_type="mfcc", num_features=13), [(1, 13, 40)], "script"),
        "deepspeech": (lambda: M.DeepSpeech(n_feature=16, n_hidden=32, n_class=10), [(1, 1, 12, 16)], "script"),
        "convtasnet": (lambda: M.ConvTasNet(num_sources=2, enc_kernel_size=8, enc_num_feats=16, msk_kernel_size=3,
                                            msk_num_feats=8, msk_num_hidden_feats=16, msk_num_layers=2,
                                            msk_num_stacks=1), [(1, 1, 64)], "script"),
        "wavernn": (lambda: M.WaveRNN(upsample_scales=[2, 2], n_classes=16, hop_length=4, n_res_block=1, n_rnn=16,
                                      n_fc=16, kernel_size=3, n_freq=8, n_hidden=8, n_output=8),
                    [(1, 1, 24), (1, 1, 8, 8)], "script"),
        "conformer": (lambda: ConformerWrap(), [(2, 10, 16)], "script"),
        "wav2vec2": (lambda: Wav2Vec2Wrap(), [(1, 400)], "script"),
        "spectrogram-conv": (SpectrogramConv, [(1, 256)], "script"),
        "melspectrogram-lstm": (MelLSTM, [(1, 512)], "script"),
        "mfcc-conv": (MFCCConv, [(1, 512)], "script"),
        "hubert": (lambda: HubertWrap(), [(1, 400)], "script"),
        "emformer": (lambda: EmformerWrap(), [(2, 12, 16)], "script"),
        "transforms-chain": (TransformsChain, [(1, 800)], "script"),
        "tacotron2": (lambda: Tacotron2Wrap(), [(1, 6)], "script"),
    }


class ConformerWrap(nn.Module):
    # Conformer takes (input, lengths): fixed full lengths here.
    def __init__(self):
        super().__init__()
        self.m = torchaudio.models.Conformer(input_dim=16, num_heads=2, ffn_dim=32, num_layers=1,
                                             depthwise_conv_kernel_size=3)

    def forward(self, x):
        lengths = torch.full((x.size(0),), x.size(1), dtype=torch.int64)
        return self.m(x, lengths)[0]


class Wav2Vec2Wrap(nn.Module):
    def __init__(self):
        super().__init__()
        self.m = torchaudio.models.wav2vec2_model(
            extractor_mode="group_norm", extractor_conv_layer_config=[(8, 10, 5), (8, 3, 2)],
            extractor_conv_bias=False, encoder_embed_dim=16, encoder_projection_dropout=0.0,
            encoder_pos_conv_kernel=4, encoder_pos_conv_groups=2, encoder_num_layers=1, encoder_num_heads=2,
            encoder_attention_dropout=0.0, encoder_ff_interm_features=32, encoder_ff_interm_dropout=0.0,
            encoder_dropout=0.0, encoder_layer_norm_first=False, encoder_layer_drop=0.0, aux_num_out=5)

    def forward(self, x):
        return self.m(x)[0]


class HubertWrap(nn.Module):
    # HuBERT's architecture (torchaudio.models.hubert_base) in a tiny config: layer-norm
    # feature extractor, layer norm first in the transformer, no classifier head.
    def __init__(self):
        super().__init__()
        self.m = torchaudio.models.wav2vec2_model(
            extractor_mode="layer_norm", extractor_conv_layer_config=[(8, 10, 5), (8, 3, 2)],
            extractor_conv_bias=True, encoder_embed_dim=16, encoder_projection_dropout=0.0,
            encoder_pos_conv_kernel=4, encoder_pos_conv_groups=2, encoder_num_layers=2, encoder_num_heads=4,
            encoder_attention_dropout=0.0, encoder_ff_interm_features=32, encoder_ff_interm_dropout=0.0,
            encoder_dropout=0.0, encoder_layer_norm_first=True, encoder_layer_drop=0.0, aux_num_out=None)

    def forward(self, x):
        return self.m(x)[0]


class EmformerWrap(nn.Module):
    # Emformer takes (input, lengths): full lengths; the right context is the last frames.
    def __init__(self):
        super().__init__()
        self.m = torchaudio.models.Emformer(input_dim=16, num_heads=2, ffn_dim=32, num_layers=2, segment_length=4,
                                            left_context_length=4, right_context_length=2, max_memory_size=2)

    def forward(self, x):
        lengths = torch.full((x.size(0),), x.size(1) - 2, dtype=torch.int64)
        return self.m(x, lengths)[0]


class TransformsChain(nn.Module):
    """torchaudio.transforms in a row: Resample, MFCC, ComputeDeltas, and AmplitudeToDB of a spectrogram."""

    def __init__(self):
        super().__init__()
        self.resample = torchaudio.transforms.Resample(16000, 8000)
        self.mfcc = torchaudio.transforms.MFCC(sample_rate=8000, n_mfcc=10,
                                               melkwargs={"n_fft": 64, "hop_length": 16, "n_mels": 16})
        self.deltas = torchaudio.transforms.ComputeDeltas(win_length=5)
        self.spec = torchaudio.transforms.Spectrogram(n_fft=64, hop_length=16)
        self.db = torchaudio.transforms.AmplitudeToDB(top_db=80.0)

    def forward(self, x):
        y = self.resample(x)
        m = self.mfcc(y)
        return torch.cat([m, self.deltas(m)], 1), self.db(self.spec(y))


class Tacotron2Wrap(nn.Module):
    # Tacotron2.infer: its decoder loop runs until a data-dependent stop; it cannot unroll.
    def __init__(self):
        super().__init__()
        self.m = torchaudio.models.Tacotron2(
            n_mels=8, n_symbol=10, symbol_embedding_dim=16, encoder_embedding_dim=16, encoder_n_convolution=1,
            encoder_kernel_size=3, decoder_rnn_dim=16, decoder_max_step=4, attention_rnn_dim=16,
            attention_hidden_dim=8, attention_location_n_filter=4, attention_location_kernel_size=3,
            prenet_dim=8, postnet_n_convolution=1, postnet_kernel_size=3, postnet_embedding_dim=8)

    def forward(self, tokens):
        return self.m.infer(tokens.abs().mul(3).long().clamp(0, 9))[0]


def check(export, work, name, make, shapes, how, lowered):
    torch.manual_seed(0)
    g = torch.Generator().manual_seed(1)
    inputs = [torch.randn(*s, generator=g) for s in shapes]
    model = make().eval()
    if how == "trace":
        jit = torch.jit.trace(model, tuple(inputs))
    else:
        try:
            jit = torch.jit.script(model)
        except Exception:
            jit = torch.jit.trace(model, tuple(inputs))
    path = os.path.join(work, name + ".jit")
    jit.save(path)
    del jit, model
    jit = torch.jit.load(path)  # JIT-only from here on
    out = os.path.join(work, name + ".nnef")
    cmd = [export, path, "-o", out, "--quiet"]
    cmd += tl.input_shape_args(tl.forward_arg_names(jit), [x.shape for x in inputs])
    p = subprocess.run(cmd, capture_output=True, text=True)
    expect = EXPECTED.get(name)
    if expect:
        errors = [l for l in p.stderr.splitlines() if "error" in l]
        first = errors[0] if errors else "(exported)"
        if p.returncode and expect[1] in first:
            if expect[0] == "refused":
                print("%s: refused as expected: %s" % (name, first.split("error: ", 1)[-1]))
                return "refused"
            print("%s: pending: %s (%s)" % (name, expect[1], expect[2]))
            return None
        print("%s: expected the export to stop at '%s', got: %s" % (name, expect[1], first[:200]))
        return False
    if p.returncode:
        errors = [l for l in p.stderr.splitlines() if "error" in l]
        first = errors[0] if errors else p.stderr.strip()[:200]
        missing = [l.split("'")[1] for l in errors if "no NNEF lowering for '" in l]
        if lowered is not None and errors and len(missing) == len(errors) and not any(op in lowered for op in missing):
            print("%s: pending: needs %s" % (name, ", ".join(sorted(set(missing)))))
            return None
        print("%s: not exported: %s" % (name, first))
        return False
    with torch.no_grad():
        want = [t.numpy() for t in tl.flat(jit(*inputs))]
    got, err = tl.run_tract_raw(out, [x.numpy() for x in inputs], work, name)
    if got is None:
        print("%s: exported, tract failed: %s" % (name, (err.strip().splitlines() or ["?"])[-1][:200]))
        return False
    if len(got) != len(want) or any(a.shape != b.shape for a, b in zip(got, want)):
        print("%s: exported, outputs differ in shape: tract %s, torch %s"
              % (name, [a.shape for a in got], [b.shape for b in want]))
        return False
    worst, ok = 0.0, True
    for a, b in zip(got, want):
        d = np.abs(a.astype(np.float64) - b.astype(np.float64))
        worst = max(worst, float(d.max()) if d.size else 0.0)
        ok &= bool(np.all(d <= TOL * np.maximum(1.0, np.abs(b.astype(np.float64)))))
    print("%s: exported, max abs diff %.3g %s" % (name, worst, "ok" if ok else "ABOVE tolerance"))
    return ok


def main(argv):
    lowered = None
    if "--ops-doc" in argv:
        i = argv.index("--ops-doc")
        with open(argv[i + 1]) as f:
            lowered = set(re.findall(r"`((?:aten|prim|quantized)::[A-Za-z0-9_]+)`", f.read()))
        del argv[i:i + 2]
    export, work = argv[1:3]
    os.makedirs(work, exist_ok=True)
    table = models()
    names = argv[3:] or list(table)
    counts = {True: 0, None: 0, "refused": 0, False: 0}
    for n in names:
        make, shapes, how = table[n]
        try:
            r = check(export, work, n, make, shapes, how, lowered)
        except Exception as e:  # scripting or torch itself failed: report, go on
            print("%s: not exported: %s" % (n, str(e).splitlines()[0][:200]))
            r = False
        counts[r] += 1
    print("%d ok, %d pending, %d refused, %d failed" % (counts[True], counts[None], counts["refused"], counts[False]))
    return 1 if counts[False] else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
