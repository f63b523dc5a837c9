"""placeholder during development"""
class TransferModel:
    def __init__(self, **kw): self.kw = kw
