"""The open-data generator: a catalogue of simulated tool worlds, the simulator that executes
calls in them, the seeded perturbation generator, structured reflections, importers of other
trajectory sources (original items, xLAM, OpenAI chat logs) and the bundle builder."""
