"""What a score means for the population being screened.

A model is trained on one research set and used on another population. This package
holds what turns a model's raw scores into statements about that population:
calibrated probabilities (:mod:`.calibration`), the training data's stored
out-of-fold scores that every later choice is made on (:mod:`.oof`), operating points
and prevalence estimation.

Nothing here imports a model family: the models import from here.
"""
