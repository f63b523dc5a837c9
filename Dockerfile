# syntax=docker/dockerfile:1
# Platsa's API image (docs/deployment.md). Three stages: the build stage installs the API's
# locked dependencies (requirements/serve.lock: no torch) and the wheel into a virtualenv; the
# encoder stage installs the export set (requirements/export.lock: with torch) elsewhere, only
# to export the sentence encoder to int8 ONNX (`platsa encoder export`); the runtime stage copies
# the virtualenv and the exported files and runs them as an unprivileged user. So the image
# embeds texts without torch: until a champion brings the encoder it was trained with, it
# serves this export. The same image runs `platsa serve`, `platsa db upgrade` and the MLflow
# tracking server (compose.yaml), so the client and server versions agree.
ARG PYTHON_IMAGE=python:3.11.11-slim-bookworm

FROM ${PYTHON_IMAGE} AS build
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/platsa
COPY requirements/serve.lock /tmp/requirements.lock
RUN /opt/platsa/bin/pip install --require-hashes -r /tmp/requirements.lock
WORKDIR /src
COPY pyproject.toml README.md ./
COPY matcher matcher
COPY models models
COPY serving serving
COPY training training
COPY platsa platsa
COPY synth synth
RUN /opt/platsa/bin/pip wheel --no-deps --wheel-dir /tmp/wheels . \
    && /opt/platsa/bin/pip install --no-deps /tmp/wheels/platsa-*.whl

FROM ${PYTHON_IMAGE} AS encoder
# torch's CPU build is on PyTorch's index, not on PyPI; hashes are checked either way
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_EXTRA_INDEX_URL=https://download.pytorch.org/whl/cpu \
    HF_HUB_OFFLINE=1 \
    TRANSFORMERS_OFFLINE=1 \
    PLATSA_HOME=/tmp/platsa
RUN python -m venv /opt/export
COPY requirements/export.lock /tmp/requirements.lock
RUN /opt/export/bin/pip install --require-hashes -r /tmp/requirements.lock
COPY --from=build /tmp/wheels /tmp/wheels
RUN /opt/export/bin/pip install --no-deps /tmp/wheels/platsa-*.whl \
    && /opt/export/bin/platsa encoder export --to /opt/encoder

FROM ${PYTHON_IMAGE} AS runtime
RUN groupadd --system --gid 10001 platsa \
    && useradd --system --uid 10001 --gid platsa --home-dir /var/lib/platsa --create-home platsa
COPY --from=build /opt/platsa /opt/platsa
COPY --from=encoder /opt/encoder /opt/platsa-encoder
ENV PATH=/opt/platsa/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PLATSA_HOME=/var/lib/platsa \
    PLATSA_HOST=0.0.0.0 \
    PLATSA_ENCODER_DIR=/opt/platsa-encoder \
    HF_HUB_OFFLINE=1 \
    TRANSFORMERS_OFFLINE=1 \
    MLFLOW_DISABLE_TELEMETRY=true
USER 10001:10001
WORKDIR /var/lib/platsa
EXPOSE 8000
ENTRYPOINT ["platsa"]
CMD ["serve", "--workers", "2"]
