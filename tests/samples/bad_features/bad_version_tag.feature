Feature: division
  @sqlalchemy:>=banana
  Scenario: halving
    Given a number
    When it is divided by 2
    Then there is a result
