"""Drives the installed embedlab kernel with jupyter_client and records what it sends.

usage: kernel_protocol.py KERNEL_NAME OUT.json CHECKPOINT_DIR

Runs a fixed sequence of requests (errors, queued cells, type errors, a
traceback, rich results, Shift-Tab help, interrupts of training and of an
evaluation) and writes, per step, the reply and the iopub messages of that
request (plus every status message in arrival order) to OUT.json. The
assertions live in test/kernelProtocol.test.ts.
"""
import json
import re
import sys
import time

from jupyter_client.manager import start_new_kernel

TIMEOUT = 300
TRAIN = """import { loadRecords, toTrainingRows, addIds, createStaticModel, finetune, backendInfo, InformationRetrievalEvaluator, buildIRSet, trainTestSplit } from 'embedlab';
import { join } from 'node:path';
const BUILTIN = join(require.resolve('embedlab/package.json'), '..', 'datasets', 'fictional-10k-qa');
const rows = addIds(toTrainingRows((await loadRecords(join(BUILTIN, 'pairs.jsonl'))).records).rows);
const model = createStaticModel(join(BUILTIN, 'tokenizer'), { dim: 256 });
const started = Date.now();
const run = await finetune(model, rows, { epochs: 40, batchSize: 256, lr: 0.05, outputDir: OUT_DIR });
console.log(JSON.stringify({ step: run.globalStep, total: run.totalSteps, stopped: run.stopped ?? null, seconds: (Date.now() - started) / 1000, backend: backendInfo()?.choice ?? null, stepSeconds: run.history.steps.length > 1 ? (Date.now() - started) / 1000 / run.history.steps.length : null }));"""


def main():
    kernel, out_path = sys.argv[1], sys.argv[2]
    km, kc = start_new_kernel(kernel_name=kernel, startup_timeout=120)
    statuses = []
    results = {}

    def collect(msg_id, until_idle=True, on_message=None):
        own = []
        while True:
            msg = kc.get_iopub_msg(timeout=TIMEOUT)
            parent = msg["parent_header"].get("msg_id")
            if msg["msg_type"] == "status":
                statuses.append({"parent": parent, "state": msg["content"]["execution_state"], "t": time.time()})
            if parent == msg_id:
                own.append({"type": msg["msg_type"], "content": msg["content"], "t": time.time()})
                if on_message:
                    on_message(own[-1])
                if until_idle and msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
                    return own

    def reply_to(msg_id, channel="shell"):
        get = kc.get_shell_msg if channel == "shell" else kc.get_control_msg
        while True:
            reply = get(timeout=TIMEOUT)
            if reply["parent_header"].get("msg_id") == msg_id:
                return {"type": reply["msg_type"], "content": reply["content"]}

    def run(name, code, on_message=None, **kwargs):
        msg_id = kc.execute(code, **kwargs)
        iopub = collect(msg_id, on_message=on_message)
        results[name] = {"msg_id": msg_id, "reply": reply_to(msg_id), "iopub": iopub}
        return results[name]

    run("first", "const answer = 40 + 2;\nconsole.log('answer', answer);")
    run("error", "function explode(): never {\n  throw new TypeError('deep down');\n}\nexplode();")
    run("after_error", "console.log('still running', answer);")

    # three cells sent at once, the first fails: the two queued behind it are aborted; a later one runs
    ids = [kc.execute(code) for code in ["throw new Error('first fails');", "console.log('queued 1');", "console.log('queued 2');"]]
    for i, msg_id in enumerate(ids):
        results[f"queued_{i}"] = {"msg_id": msg_id, "iopub": collect(msg_id), "reply": reply_to(msg_id)}
    run("after_queue", "console.log('runs again');")

    # two cells back to back: busy/idle per cell, in order
    slow = kc.execute("await new Promise((r) => setTimeout(r, 1500)); console.log('slow done');")
    quick = kc.execute("console.log('quick done');")
    results["slow"] = {"msg_id": slow, "iopub": collect(slow), "reply": reply_to(slow)}
    results["quick"] = {"msg_id": quick, "iopub": collect(quick), "reply": reply_to(quick)}

    run("define_loss", "const loss = 'mnrl';")
    # the shorthand { loss } is rewritten before tslab sees the code: the column must still be the user's
    run("type_error", "const options = { loss, epochs: 2 }; const wrong: number = 'text';")

    run("rich_table", "[{ company: 'Acme', revenue: '$276 million, or $3.70', lr: 2e-5, ndcg: 0.81234 }]")

    msg_id = kc.inspect("import { matryoshka } from 'embedlab';\nmatryoshka", cursor_pos=len("import { matryoshka } from 'embedlab';\nmatry"))
    results["inspect"] = {"msg_id": msg_id, "reply": reply_to(msg_id)}

    # Kernel -> Interrupt (SIGINT, as the kernelspec's interrupt_mode says) during training
    state = {"sent": None, "step": None}

    def interrupt_when_training(message):
        if state["sent"] is not None or message["type"] not in ("display_data", "update_display_data"):
            return
        shown = re.search(r"Fine-tuning .* step (\d+)/", message["content"]["data"].get("text/plain", ""))
        if shown and int(shown.group(1)) >= 2:
            state["sent"], state["step"] = time.time(), int(shown.group(1))
            km.interrupt_kernel()

    run("train", "const OUT_DIR = " + json.dumps(sys.argv[3]) + ";\n" + TRAIN, on_message=interrupt_when_training)
    results["train"]["interrupt"] = state
    run("after_train", "console.log(JSON.stringify({ dimension: model.dimension, backend: backendInfo()?.summary }));")

    # an interrupt_request on the control channel stops an evaluation: the cell fails with KeyboardInterrupt
    state2 = {"sent": None}

    def interrupt_by_message(message):
        if state2["sent"] is None and message["type"] == "display_data" and "embedlab-progress" in str(message["content"]["data"].get("text/html", "")):
            state2["sent"] = time.time()
            kc.control_channel.send(kc.session.msg("interrupt_request", {}))

    run(
        "setup_evaluate",
        "const { train, test } = trainTestSplit(rows, { testSize: 0.5, seed: 1 });\n"
        "const evaluator = new InformationRetrievalEvaluator(buildIRSet(train, test), { dims: [256, 64], batchSize: 4 });",
    )
    run("evaluate", "await evaluator.evaluate(model);", on_message=interrupt_by_message)
    run("evaluate_again", "const metrics = await new InformationRetrievalEvaluator(buildIRSet(train.slice(0, 50), test.slice(0, 50)), { dims: [256, 64] }).evaluate(model);\nmetrics")
    run("wrong_key", "metrics['dim_256_cosine_ndcg@1O'].toFixed(4)")

    results["statuses"] = statuses
    kc.stop_channels()
    km.shutdown_kernel(now=True)
    with open(out_path, "w") as f:
        json.dump(results, f, indent=1)


if __name__ == "__main__":
    main()
