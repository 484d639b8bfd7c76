"""Masked hard instance mining (MHIM, paper 001) on top of LMILAtt.

* :mod:`.masking` -- the masking rule: ``t`` drawn from the donor's top ``2t`` plus the
  ``b`` least attended, hard or soft, over real instances only.
* :mod:`.donor` -- donor strategies: the frozen phase-1 model or a momentum (EMA) copy.
* :mod:`.trainer` -- two-phase training (donor, then receiver with masks), entropy log.
* :mod:`.estimator` -- :class:`MHIMClassifier`, the scikit-learn-style model.
* :mod:`.dialogue` -- the paper's dual encoder for interviews (prefix + sentence).
"""

from .donor import FrozenDonor, MomentumDonor
from .estimator import MHIMClassifier
from .masking import MaskingRule, parse_spec, resolve_count

__all__ = ["FrozenDonor", "MHIMClassifier", "MaskingRule", "MomentumDonor", "parse_spec", "resolve_count"]
