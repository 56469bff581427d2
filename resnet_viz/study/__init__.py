"""The paper experiments at the paper's depths: degradation, lesions, loss landscapes, pre-activation."""
