# Conveniences over ./dev, which needs nothing but a POSIX shell and Python >= 3.11.
.PHONY: demo test screenshots bench
demo:
	./dev demo
test:
	./dev test
screenshots:
	./dev screenshots
bench:
	./dev bench
