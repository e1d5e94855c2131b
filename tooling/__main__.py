from tooling.pipeline import main

raise SystemExit(main())
