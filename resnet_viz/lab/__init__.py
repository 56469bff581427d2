"""The residual lab: what makes a ResNet a ResNet, measured on one image (no Gradio here)."""
