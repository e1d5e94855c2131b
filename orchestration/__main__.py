from orchestration.pipeline import main

raise SystemExit(main())
