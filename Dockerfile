# syntax=docker/dockerfile:1
# Platsa's API image (docs/deployment.md). Two stages: the build stage installs the locked
# dependencies and the wheel into a virtualenv; the runtime stage copies only that virtualenv
# and runs it as an unprivileged user. The same image runs `platsa serve`, `platsa db upgrade`
# and the MLflow tracking server (compose.yaml), so the client and server versions agree.
#
# LOCK chooses the locked dependency set (requirements/<LOCK>.lock):
#   serve        the API without torch (the target; the sentence encoder is off:
#                TEXT_EMBEDDINGS=false, so champions trained with embeddings are refused
#                and the transparent rule serves)
#   serve-torch  the API with the torch sentence encoder (about 1 GB more), needed for text
#                embeddings until the encoder serves from ONNX; compose.yaml builds this one
ARG PYTHON_IMAGE=python:3.11.11-slim-bookworm

FROM ${PYTHON_IMAGE} AS build
ARG LOCK=serve
# torch's CPU build (serve-torch) is on PyTorch's index, not on PyPI; hashes are checked either way
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_EXTRA_INDEX_URL=https://download.pytorch.org/whl/cpu
RUN python -m venv /opt/platsa
COPY requirements/${LOCK}.lock /tmp/requirements.lock
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

FROM ${PYTHON_IMAGE} AS runtime
ARG TEXT_EMBEDDINGS=false
RUN groupadd --system --gid 10001 platsa \
    && useradd --system --uid 10001 --gid platsa --home-dir /var/lib/platsa --create-home platsa
COPY --from=build /opt/platsa /opt/platsa
ENV PATH=/opt/platsa/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PLATSA_HOME=/var/lib/platsa \
    PLATSA_HOST=0.0.0.0 \
    PLATSA_TEXT_EMBEDDINGS=${TEXT_EMBEDDINGS} \
    HF_HUB_OFFLINE=1 \
    TRANSFORMERS_OFFLINE=1 \
    MLFLOW_DISABLE_TELEMETRY=true
USER 10001:10001
WORKDIR /var/lib/platsa
EXPOSE 8000
ENTRYPOINT ["platsa"]
CMD ["serve", "--workers", "2"]
